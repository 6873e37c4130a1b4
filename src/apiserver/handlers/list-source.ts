/**
 * Where a list (or a watch's initial state) is read from, by upstream's rules for its watch
 * cache: the state cache answers whenever it can do so without breaking the request's
 * resourceVersion semantics, the store otherwise.
 * - resourceVersion "0" (any state will do): the cache as it is (pages are kept: one answer
 *   holding 150,000 pods would not fit in one string);
 * - unset (the latest state): the cache once it has caught up with the store's revision;
 * - N, not older than: the cache once it has reached N;
 * - exact N, or a continue token's revision: the cache if it is at that revision, else the
 *   store, which keeps history.
 */
import type { ResourceInfo } from '../../api/resource.ts';
import { parseFieldSelector } from '../../api/fields.ts';
import type { CacheIndex, StateCache } from '../../storage/state-cache.ts';
import type { KeyValue, ListResult, Store } from '../../storage/store.ts';
import { nestedString } from '../json-text.ts';

/** Pods by spec.nodeName: a kubelet's list of its own pods reads those, not every pod. */
const POD_NODE_INDEX = 'pods:spec.nodeName';

/**
 * A pod value's spec.nodeName, read once per stored value: the watch cache (filing the event
 * for kubelets' watches) and then the state cache (filing the key for their lists) ask for the
 * same value one after the other. An unbound pod (most pods when written first) is filed
 * nowhere without being read; a bound one is read from its text (json-text.ts), not parsed.
 */
const nodeNames = new WeakMap<KeyValue, string>();
function podNodeName(kv: KeyValue): string {
  let name = nodeNames.get(kv);
  if (name === undefined) {
    name = !kv.value.includes('"nodeName":') ? '' : (nestedString(kv.value, 'spec', 'nodeName') ?? String(JSON.parse(kv.value).spec?.nodeName ?? ''));
    nodeNames.set(kv, name);
  }
  return name;
}

/** The indexes of the state cache and the watch cache, for the API server to create them with. */
export const CACHE_INDEXES: Record<string, CacheIndex> = {
  [POD_NODE_INDEX]: { prefix: '/registry/pods/', valueOf: podNodeName },
};

/**
 * The request's selection as a test of stored values, when it can be read from the text: a pod
 * field selector on spec.nodeName alone (a kubelet's `spec.nodeName=NODE`, hollow nodes'
 * `spec.nodeName!=`), no label selector, no name. Undefined otherwise (then objects are parsed).
 */
export function storedValueFilter(r: ResourceInfo, query: URLSearchParams, name?: string): ((kv: KeyValue) => boolean) | undefined {
  const fieldSelector = query.get('fieldSelector');
  if (!fieldSelector || name || query.get('labelSelector') || r.group !== '' || r.plural !== 'pods') return undefined;
  let requirements;
  try {
    requirements = parseFieldSelector(fieldSelector, r).requirements;
  } catch {
    return undefined;
  }
  if (requirements.length === 0 || requirements.some((q) => q.field !== 'spec.nodeName')) return undefined;
  return (kv) => {
    const nodeName = podNodeName(kv);
    return requirements.every((q) => (q.operator === '!=' ? nodeName !== q.value : nodeName === q.value));
  };
}

/** The index a list or watch with this field selector can be narrowed by; undefined when none. */
export function indexFor(r: ResourceInfo, fieldSelector: string | null): { name: string; value: string } | undefined {
  if (!fieldSelector || r.group !== '' || r.plural !== 'pods') return undefined;
  let value: string | undefined;
  try {
    value = parseFieldSelector(fieldSelector, r).requiresExactMatch('spec.nodeName');
  } catch {
    return undefined;
  }
  return value ? { name: POD_NODE_INDEX, value } : undefined;
}

export interface ListPlan {
  source: Pick<Store, 'list'>;
  /** The revision to read at; 0: the source's current one. */
  revision: number;
  /** Page size to ask for (0: all). */
  limit: number;
}

export interface ListRequest {
  /** "" (latest), "0" (any) or a revision, as the query gave it. */
  resourceVersion: string;
  /** The revision a continue token or resourceVersionMatch=Exact pins; 0 when none. */
  pinnedRevision: number;
  limit: number;
  /** An index narrowing the list (the caller still filters by its whole selector). */
  index?: { name: string; value: string };
}

/** Reads from `cache` (through `index` when given) when it can answer, from `store` otherwise. */
export function cacheOrStore(cache: StateCache, store: Pick<Store, 'list'>, index?: { name: string; value: string }): Pick<Store, 'list'> {
  return {
    list: async (prefix, options): Promise<ListResult> =>
      (index && cache.listIndexed(index.name, index.value, prefix, options)) || cache.list(prefix, options) || store.list(prefix, options),
  };
}

export async function planList(store: Pick<Store, 'list' | 'currentRevision'>, cache: StateCache | undefined, request: ListRequest): Promise<ListPlan> {
  const { resourceVersion, pinnedRevision, limit, index } = request;
  if (!cache) return { source: store, revision: pinnedRevision, limit };
  if (pinnedRevision > 0) return { source: cacheOrStore(cache, store, index), revision: pinnedRevision, limit };
  if (resourceVersion === '0' && cache.revision > 0) return { source: cacheOrStore(cache, store, index), revision: cache.revision, limit };
  const wanted = resourceVersion && resourceVersion !== '0' ? Number(resourceVersion) : undefined;
  if (await cache.waitFor(wanted)) return { source: cacheOrStore(cache, store, index), revision: cache.revision, limit };
  return { source: store, revision: 0, limit };
}
