/**
 * The `kubernetes` Service's Endpoints and EndpointSlice for a set of live API servers, and
 * whether what is stored already says so (then nothing is written: every server reconciles
 * every few seconds, and a write each time would wake every watcher of endpoints).
 * Every server listens on the same port, as upstream assumes.
 */
import { isIP } from 'node:net';

/** The Service, its Endpoints and its EndpointSlice all carry this name in `default`. */
export const KUBERNETES_SERVICE = 'kubernetes';

const ENDPOINTS_LABELS = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
const SLICE_LABELS = { 'kubernetes.io/service-name': KUBERNETES_SERVICE, 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' };

function ports(port: number) {
  return [{ name: 'https', port, protocol: 'TCP' }];
}

/** The Endpoints listing `addresses` (in that order) on `port`. */
export function kubernetesEndpoints(addresses: string[], port: number): Record<string, any> {
  return {
    metadata: { name: KUBERNETES_SERVICE, labels: { ...ENDPOINTS_LABELS } },
    subsets: [{ addresses: addresses.map((ip) => ({ ip })), ports: ports(port) }],
  };
}

/** The EndpointSlice listing `addresses` (in that order, all ready) on `port`. */
export function kubernetesEndpointSlice(addresses: string[], port: number): Record<string, any> {
  return {
    metadata: { name: KUBERNETES_SERVICE, labels: { ...SLICE_LABELS } },
    addressType: isIP(addresses[0] ?? '') === 6 ? 'IPv6' : 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: ports(port),
  };
}

function labelsHold(obj: Record<string, any>, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => obj.metadata?.labels?.[k] === v);
}

function portsAre(actual: unknown, port: number): boolean {
  if (!Array.isArray(actual) || actual.length !== 1) return false;
  const p = actual[0] as Record<string, unknown>;
  return p.name === 'https' && p.port === port && (p.protocol ?? 'TCP') === 'TCP';
}

function sameList(a: unknown[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether stored Endpoints already list exactly `addresses` (in order) on `port`. */
export function endpointsMatch(existing: Record<string, any>, addresses: string[], port: number): boolean {
  const subsets = existing.subsets;
  if (!Array.isArray(subsets) || subsets.length !== 1) return false;
  const [subset] = subsets;
  if (subset.notReadyAddresses?.length) return false;
  const ips = (subset.addresses ?? []).map((a: { ip?: string }) => a.ip);
  return sameList(ips, addresses) && portsAre(subset.ports, port) && labelsHold(existing, ENDPOINTS_LABELS);
}

/** Whether a stored EndpointSlice already lists exactly `addresses` (in order, all ready) on `port`. */
export function endpointSliceMatches(existing: Record<string, any>, addresses: string[], port: number): boolean {
  const endpoints = existing.endpoints ?? [];
  if (!Array.isArray(endpoints)) return false;
  const oneReadyAddress = endpoints.every((e: any) => e.addresses?.length === 1 && e.conditions?.ready === true);
  return (
    oneReadyAddress &&
    sameList(endpoints.map((e: any) => e.addresses[0]), addresses) &&
    existing.addressType === kubernetesEndpointSlice(addresses, port).addressType &&
    portsAre(existing.ports, port) &&
    labelsHold(existing, SLICE_LABELS)
  );
}
