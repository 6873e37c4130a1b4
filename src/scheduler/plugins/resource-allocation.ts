/**
 * What the resource-based scorers share (upstream's resourceAllocationScorer): for each scored
 * resource, the node's allocatable amount and what would be requested with the pod placed
 * there. Scorers turn these pairs into 0..MAX_NODE_SCORE.
 */
import type { NodeInfo, Resource } from '../framework/node-info.ts';

/** A resource the scorers look at and its weight (cpu and memory, 1 each, by default). */
export interface ResourceSpec {
  name: string;
  weight: number;
}

export const DEFAULT_RESOURCES: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** One resource's amount in a Resource, by its Kubernetes name. */
export function amountOf(r: Resource, name: string): number {
  switch (name) {
    case 'cpu':
      return r.milliCPU;
    case 'memory':
      return r.memory;
    case 'ephemeral-storage':
      return r.ephemeralStorage;
    default:
      return r.scalar[name] ?? 0;
  }
}

function isScalar(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage';
}

/**
 * Whether scorers leave resource `name` out for this pod: an extended resource the pod does not
 * ask for says nothing about the node.
 */
export function skipsResource(podRequests: Resource, name: string): boolean {
  return isScalar(name) && amountOf(podRequests, name) === 0;
}

/**
 * What would be requested of resource `name` with the pod placed on the node. `useRequested`
 * picks the pods' actual requests (BalancedAllocation) instead of the non-zero defaults (Fit's
 * scoring).
 */
export function requestedWithPod(nodeInfo: NodeInfo, podRequests: Resource, name: string, useRequested: boolean): number {
  return amountOf(useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested, name) + amountOf(podRequests, name);
}
