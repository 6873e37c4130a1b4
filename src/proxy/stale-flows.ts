/**
 * Which UDP conntrack entries go stale when Service ports change (no I/O). UDP has no
 * connection to end, so a client that keeps sending to a Service address keeps its conntrack
 * entry — and its DNAT to an endpoint that is gone — for as long as it sends. As upstream, the
 * entries are deleted (`conntrack -D`) when:
 * - an endpoint leaves a UDP port: the flows to its addresses DNATed to that endpoint;
 * - a UDP port gains its first endpoint (or first appears): every flow to its addresses, set up
 *   while nothing served them.
 */
import type { ProxiedServicePort, ProxyEndpoint } from './service-ports.ts';

/** One `conntrack -D` call's filter arguments. */
export type ConntrackFilter = string[];

/** The conntrack deletions that going from `previous` to `desired` calls for. */
export function staleUdpFlows(previous: ProxiedServicePort[], desired: ProxiedServicePort[]): ConntrackFilter[] {
  const after = new Map(desired.filter(isUdp).map((sp) => [sp.id, sp]));
  const filters = new Map<string, ConntrackFilter>();
  const add = (f: ConntrackFilter) => filters.set(f.join(' '), f);
  for (const old of previous.filter(isUdp)) {
    const now = after.get(old.id);
    // A port that went away counts as one that lost every endpoint.
    flowsTo(old.clusterIPs, undefined, old.clusterEndpoints, now?.clusterEndpoints ?? [], add);
    flowsTo(old.externalIPs, old.nodePort, old.externalEndpoints, now?.externalEndpoints ?? [], add);
    after.delete(old.id);
  }
  // A new port's addresses may carry flows from before it existed.
  for (const sp of after.values()) {
    flowsTo(sp.clusterIPs, undefined, [], sp.clusterEndpoints, add);
    flowsTo(sp.externalIPs, sp.nodePort, [], sp.externalEndpoints, add);
  }
  return [...filters.values()];
}

/** The stale flows to `ips` (and `nodePort` on any address) when their endpoints go from `before` to `after`. */
function flowsTo(ips: string[], nodePort: number | undefined, before: ProxyEndpoint[], after: ProxyEndpoint[], add: (f: ConntrackFilter) => void): void {
  const destinations = [...ips.map((ip) => ['--orig-dst', ip]), ...(nodePort === undefined ? [] : [['--orig-port-dst', String(nodePort)]])];
  const gained = before.length === 0 && after.length > 0;
  for (const dst of destinations) {
    if (gained) add(['-p', 'udp', ...dst]);
    for (const ep of removed(before, after)) add(['-p', 'udp', ...dst, '--dst-nat', ep]);
  }
}

function isUdp(sp: ProxiedServicePort): boolean {
  return sp.protocol === 'udp';
}

/** Endpoint IPs in `before` and in no endpoint of `after`. */
function removed(before: readonly ProxyEndpoint[], after: readonly ProxyEndpoint[]): string[] {
  const still = new Set(after.map((e) => e.ip));
  return unique(before.map((e) => e.ip).filter((ip) => !still.has(ip)));
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
