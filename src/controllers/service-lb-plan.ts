/**
 * What the built-in service load balancer (k3s's ServiceLB idea, without its helper pods) writes
 * into a Service's status.loadBalancer, worked out without I/O: a LoadBalancer Service is reached
 * on every Ready node's InternalIP (the proxy on each node serves those addresses), so those are
 * its ingress. A Service that is no longer of type LoadBalancer loses the ingress it was given.
 * A Service with a spec.loadBalancerClass belongs to another load balancer and is left alone.
 */
import type { LoadBalancerIngress, Node, Service } from 'kubernetes-types/core/v1.js';

/** Whether the node's Ready condition is True and it is not being deleted. */
export function isNodeReady(node: Node): boolean {
  if (node.metadata?.deletionTimestamp) return false;
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The ingress `svc` should have given `nodes`, or undefined when its status is not ours to set. */
export function desiredIngress(svc: Service, nodes: Node[]): LoadBalancerIngress[] | undefined {
  if (svc.spec?.loadBalancerClass) return undefined;
  if (svc.spec?.type !== 'LoadBalancer') return svc.status?.loadBalancer?.ingress?.length ? [] : undefined;
  const ips = new Set<string>();
  for (const node of nodes) {
    if (!isNodeReady(node)) continue;
    for (const a of node.status?.addresses ?? []) if (a.type === 'InternalIP' && a.address) ips.add(a.address);
  }
  return [...ips].sort(compareAddresses).map((ip) => ({ ip, ipMode: 'VIP' }));
}

/** Numeric order for IPv4 (so 10.0.0.9 comes before 10.0.0.10), text order otherwise. */
function compareAddresses(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4 && [...pa, ...pb].every(Number.isInteger)) {
    for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
