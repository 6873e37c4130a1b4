/**
 * An informer's local cache: the last known state of every object it watches, by key
 * ("namespace/name", or "name" for cluster-scoped objects), with indexes to answer "which
 * objects have X" without a scan. Built-in indexes: by namespace, by label ("key=value"), by
 * owner uid, by node name (pods' spec.nodeName); more can be plugged in by name. An index is
 * built when it is first read and kept up to date from then on: a cache whose reader never
 * asks (the scheduler's pods, two changes per pod scheduled) spends nothing on it.
 *
 * Objects read from the cache are shared with every other reader: clone them
 * (`structuredClone`) before changing anything.
 */
import type { KubeObject } from './rest-client.ts';

/** The index values of one object; an object can sit under several values, or none. */
export type IndexFunc<T> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';
export const LABEL_INDEX = 'label';
export const OWNER_INDEX = 'owner';
export const NODE_NAME_INDEX = 'nodeName';

/** The change a {@link ObjectCache.replace} made, as an informer hands it to its handlers. */
export type Delta<T> =
  | { type: 'added'; object: T }
  | { type: 'updated'; old: T; object: T }
  | { type: 'deleted'; object: T };

/** "namespace/name", or "name" for a cluster-scoped object (client-go's MetaNamespaceKeyFunc). */
export function keyOf(obj: KubeObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
}

/** Splits a key made by {@link keyOf}. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function defaultIndexers<T extends KubeObject>(): Record<string, IndexFunc<T>> {
  return {
    [NAMESPACE_INDEX]: (o) => (o.metadata?.namespace ? [o.metadata.namespace] : []),
    [LABEL_INDEX]: (o) => Object.entries(o.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    [OWNER_INDEX]: (o) => (o.metadata?.ownerReferences ?? []).map((ref) => ref.uid),
    [NODE_NAME_INDEX]: (o) => {
      const node = (o as { spec?: { nodeName?: unknown } }).spec?.nodeName;
      return typeof node === 'string' && node ? [node] : [];
    },
  };
}

export class ObjectCache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys, for the indexes read so far (see the module comment). */
  private readonly indexes = new Map<string, { fn: IndexFunc<T>; byValue: Map<string, Set<string>> }>();

  /** Default: {@link defaultIndexers}. */
  constructor(indexers: Record<string, IndexFunc<T>> = defaultIndexers<T>()) {
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  /** Adds (or replaces) an index; it covers the objects already cached too. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.indexers.set(name, fn);
    this.indexes.delete(name);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** The objects filed under `value` in index `name` (e.g. byIndex(LABEL_INDEX, 'app=web')). */
  byIndex(name: string, value: string): T[] {
    return [...(this.index(name).get(value) ?? [])].map((key) => this.items.get(key)!);
  }

  /** Stores `obj`; returns what it replaced. */
  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const { fn, byValue } of this.indexes.values()) for (const value of fn(obj)) addTo(byValue, value, key);
    return old;
  }

  /** Removes the object under `key`; returns it. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /**
   * Makes the cache hold exactly `objects` (a fresh list) and returns the difference from
   * before: objects new to it, objects whose resourceVersion changed, objects gone. An object
   * whose resourceVersion did not change is kept as it was, so no update is reported for it.
   */
  replace(objects: T[]): Delta<T>[] {
    const deltas: Delta<T>[] = [];
    const seen = new Set<string>();
    for (const obj of objects) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.items.get(key);
      if (!old) {
        this.set(obj);
        deltas.push({ type: 'added', object: obj });
      } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.set(obj);
        deltas.push({ type: 'updated', old, object: obj });
      }
    }
    for (const [key, obj] of [...this.items]) {
      if (seen.has(key)) continue;
      this.delete(key);
      deltas.push({ type: 'deleted', object: obj });
    }
    return deltas;
  }

  /** Index `name`, built from every cached object on its first read. */
  private index(name: string): Map<string, Set<string>> {
    const built = this.indexes.get(name);
    if (built) return built.byValue;
    const fn = this.indexers.get(name);
    if (!fn) throw new Error(`no index named "${name}"`);
    const byValue = new Map<string, Set<string>>();
    for (const [key, obj] of this.items) for (const value of fn(obj)) addTo(byValue, value, key);
    this.indexes.set(name, { fn, byValue });
    return byValue;
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, byValue } of this.indexes.values()) {
      for (const value of fn(obj)) {
        const keys = byValue.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue.delete(value);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}
