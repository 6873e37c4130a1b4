/**
 * Host-gateway routing, planned: pods on other nodes are reached without NAT or tunnels by a
 * route to each other node's pod CIDR via that node's InternalIP (flannel's host-gw). Pure:
 * from the Nodes and the routes this node has made, the routes to replace and to remove.
 */
import type { Node } from 'kubernetes-types/core/v1.js';

/** A route to a pod CIDR through a node's address. */
export interface GatewayRoute {
  /** e.g. 10.42.1.0/24 */
  destination: string;
  /** e.g. 192.168.1.12 */
  gateway: string;
}

/** What to change so the node's routes match the cluster's Nodes. */
export interface RoutePlan {
  /** Missing, or through another gateway now: `ip route replace`. */
  replace: GatewayRoute[];
  /** Routes this node made to pod CIDRs no other node has any more: `ip route del`. */
  remove: GatewayRoute[];
}

/** The routes this node needs: one per other Node that has a pod CIDR and an InternalIP. */
export function desiredRoutes(nodes: readonly Node[], self: string): GatewayRoute[] {
  const ownCidr = nodes.find((n) => n.metadata?.name === self)?.spec?.podCIDR;
  const routes = new Map<string, GatewayRoute>();
  for (const node of nodes) {
    const destination = node.spec?.podCIDR;
    const gateway = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (node.metadata?.name === self || !destination || !gateway || destination === ownCidr) continue;
    routes.set(destination, { destination, gateway });
  }
  return [...routes.values()].sort((a, b) => a.destination.localeCompare(b.destination));
}

/** The changes that turn `current` (the routes this node made) into `desired`. */
export function planRoutes(current: readonly GatewayRoute[], desired: readonly GatewayRoute[]): RoutePlan {
  const have = new Map(current.map((r) => [r.destination, r.gateway]));
  const want = new Set(desired.map((r) => r.destination));
  return {
    replace: desired.filter((r) => have.get(r.destination) !== r.gateway),
    remove: current.filter((r) => !want.has(r.destination)),
  };
}
