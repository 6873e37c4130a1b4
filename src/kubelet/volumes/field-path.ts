/**
 * The downward API's values, shared by env (fieldRef, resourceFieldRef) and downwardAPI volumes:
 * a pod field by its path, and a container's resource request or limit in units of a divisor.
 * Upstream's rules: labels and annotations as whole maps are `key="value"` lines in key order;
 * a resource limit the container does not set is the node's allocatable amount; values round up.
 */
import type { Container, Node, ObjectFieldSelector, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.ts';

/** What the pod object alone does not say: where it runs and its addresses. */
export interface PodRuntimeFields {
  nodeName?: string;
  hostIP?: string;
  hostIPs?: string[];
  podIPs?: string[];
}

/** A fieldPath or resource this kubelet does not know how to give. */
export class FieldPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldPathError';
  }
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/**
 * The value of `fieldRef.fieldPath` for the pod. `allowMaps` admits whole `metadata.labels` and
 * `metadata.annotations` (downwardAPI volumes); env only takes single keys.
 */
export function podFieldValue(pod: Pod, ref: ObjectFieldSelector, runtime: PodRuntimeFields, allowMaps = false): string {
  const path = ref.fieldPath;
  const meta = pod.metadata ?? {};
  const sub = SUBSCRIPT.exec(path);
  if (sub) return (sub[1] === 'labels' ? meta.labels : meta.annotations)?.[sub[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return runtime.nodeName ?? pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return runtime.hostIP ?? runtime.hostIPs?.[0] ?? '';
    case 'status.hostIPs':
      return (runtime.hostIPs ?? (runtime.hostIP ? [runtime.hostIP] : [])).join(',');
    case 'status.podIP':
      return runtime.podIPs?.[0] ?? '';
    case 'status.podIPs':
      return (runtime.podIPs ?? []).join(',');
  }
  if (allowMaps && (path === 'metadata.labels' || path === 'metadata.annotations')) {
    return formatMap((path === 'metadata.labels' ? meta.labels : meta.annotations) ?? {});
  }
  throw new FieldPathError(`unsupported fieldPath: ${path}`);
}

/** `key="value"` lines, keys sorted, values quoted as Go's %q does (JSON's quoting, for printable text). */
export function formatMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${JSON.stringify(map[k])}`)
    .join('\n');
}

const RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/**
 * The value of a resourceFieldRef: `limits.cpu` etc. of `containerName` (or `self` when the ref
 * names none), divided by the divisor and rounded up. Unset limits are the node's allocatable.
 */
export function containerResourceValue(pod: Pod, ref: ResourceFieldSelector, self: Container | undefined, node: Node | undefined): string {
  const container = ref.containerName
    ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === ref.containerName)
    : self;
  if (!container) throw new FieldPathError(`failed to find container ${ref.containerName ?? ''} in pod ${pod.metadata?.name ?? ''}`);
  const [kind, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !resource || !RESOURCES.has(resource)) {
    throw new FieldPathError(`unsupported container resource : ${ref.resource}`);
  }
  const set = container.resources?.[kind]?.[resource];
  const fallback = kind === 'limits' ? node?.status?.allocatable?.[resource] : undefined;
  const raw = set ?? fallback ?? 0;
  const value = parseQuantity(raw) ?? 0;
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  // CPU is compared in millicores, as upstream, so "1m" divisors give whole numbers.
  const result = resource === 'cpu' ? Math.ceil(Math.round(value * 1000) / Math.round(divisor * 1000 || 1)) : Math.ceil(value / divisor);
  return String(result);
}
