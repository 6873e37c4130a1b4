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
 * One scored resource, resolved for one pod before the per-node loop: what the pod asks
 * for and where the resource sits in a Resource, so scoring a node does no name lookups.
 * Fit's scoring adds `podAmount` to the node's non-zero-defaulted requests, BalancedAllocation
 * to its actual requests.
 */
export interface ScoredResource {
  name: string;
  weight: number;
  /** 0 cpu, 1 memory, 2 ephemeral-storage, 3 an extended resource (read by name). */
  slot: number;
  podAmount: number;
}

function slotOf(name: string): number {
  return name === 'cpu' ? 0 : name === 'memory' ? 1 : name === 'ephemeral-storage' ? 2 : 3;
}

/** A resource's amount in `r` by its precomputed slot (see {@link ScoredResource}). */
export function amountAt(r: Resource, slot: number, name: string): number {
  return slot === 0 ? r.milliCPU : slot === 1 ? r.memory : slot === 2 ? r.ephemeralStorage : r.scalar[name] ?? 0;
}

/** The node's allocatable amount of `r` (cpu and memory from the node's own figures). */
export function allocatableOf(nodeInfo: NodeInfo, r: ScoredResource): number {
  return r.slot === 0 ? nodeInfo.allocatableMilliCPU : r.slot === 1 ? nodeInfo.allocatableMemory : amountAt(nodeInfo.allocatable, r.slot, r.name);
}

/** What the node's pods request of `r`. */
export function requestedOf(nodeInfo: NodeInfo, r: ScoredResource): number {
  return r.slot === 0 ? nodeInfo.requestedMilliCPU : r.slot === 1 ? nodeInfo.requestedMemory : amountAt(nodeInfo.requested, r.slot, r.name);
}

/** What the node's pods request of `r`, with the non-zero defaults. */
export function nonZeroRequestedOf(nodeInfo: NodeInfo, r: ScoredResource): number {
  return r.slot === 0 ? nodeInfo.nonZeroRequestedMilliCPU : r.slot === 1 ? nodeInfo.nonZeroRequestedMemory : amountAt(nodeInfo.nonZeroRequested, r.slot, r.name);
}

/** The resources to score for a pod with `podRequests`: extended resources it does not ask for are left out. */
export function scoredResources(podRequests: Resource, resources: ResourceSpec[]): ScoredResource[] {
  const out: ScoredResource[] = [];
  for (const r of resources) {
    if (skipsResource(podRequests, r.name)) continue;
    out.push({ name: r.name, weight: r.weight, slot: slotOf(r.name), podAmount: amountOf(podRequests, r.name) });
  }
  return out;
}
