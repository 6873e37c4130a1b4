/**
 * NodeResourcesBalancedAllocation: prefers nodes where, with the pod placed, the shares of cpu
 * and memory in use are close to each other (1 − their standard deviation), so no resource is
 * exhausted while another sits idle. Best-effort pods (no requests) are not scored.
 */
import { MAX_NODE_SCORE, SUCCESS, status, type PluginFactory, type PreScorePlugin, type ScorePlugin } from '../framework/interface.ts';
import { computePodRequests, type NodeInfo, type Resource } from '../framework/node-info.ts';
import { NAMES } from './names.ts';
import { allocatableOf, amountOf, DEFAULT_RESOURCES, requestedOf, scoredResources, type ResourceSpec, type ScoredResource } from './resource-allocation.ts';

/** The share of `r` in use with the pod placed on the node, capped at 1; undefined when the node has none. */
function fraction(nodeInfo: NodeInfo, r: ScoredResource): number | undefined {
  const allocatable = allocatableOf(nodeInfo, r);
  if (allocatable === 0) return undefined;
  return Math.min((requestedOf(nodeInfo, r) + r.podAmount) / allocatable, 1);
}

/**
 * Upstream's balancedResourceScorer: 100 × (1 − the standard deviation of the per-resource
 * shares in use with the pod placed), so nodes whose resources fill evenly win. Resources the
 * node has none of, and extended resources the pod does not ask for, are left out.
 */
export function balancedScore(nodeInfo: NodeInfo, podRequests: Resource, resources: ResourceSpec[]): number {
  return balancedScoreResolved(nodeInfo, scoredResources(podRequests, resources));
}

/** {@link balancedScore} from resources resolved once per pod (the per-node path). */
function balancedScoreResolved(nodeInfo: NodeInfo, resources: ScoredResource[]): number {
  let std = 0;
  if (resources.length === 2) {
    // The common case, worked out inline: fraction() answers a fresh boxed number per call
    // when not inlined, and this runs for hundreds of nodes per pod.
    const r0 = resources[0];
    const r1 = resources[1];
    const alloc0 = allocatableOf(nodeInfo, r0);
    const alloc1 = allocatableOf(nodeInfo, r1);
    if (alloc0 !== 0 && alloc1 !== 0) {
      const a = Math.min((requestedOf(nodeInfo, r0) + r0.podAmount) / alloc0, 1);
      const b = Math.min((requestedOf(nodeInfo, r1) + r1.podAmount) / alloc1, 1);
      std = Math.abs((a - b) / 2);
    }
  } else {
    const fractions: number[] = [];
    for (const r of resources) {
      const f = fraction(nodeInfo, r);
      if (f !== undefined) fractions.push(f);
    }
    if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
    else if (fractions.length > 2) {
      let mean = 0;
      for (const f of fractions) mean += f / fractions.length;
      let variance = 0;
      for (const f of fractions) variance += (f - mean) ** 2 / fractions.length;
      std = Math.sqrt(variance);
    }
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

function isBestEffort(requests: Resource, resources: ResourceSpec[]): boolean {
  for (const r of resources) if (amountOf(requests, r.name) !== 0) return false;
  return true;
}

const PRE_SCORE_KEY = 'PreScore' + NAMES.NodeResourcesBalancedAllocation;

export const newNodeResourcesBalancedAllocation: PluginFactory = (rawArgs) => {
  const resources = ((rawArgs ?? {}) as { resources?: ResourceSpec[] }).resources ?? DEFAULT_RESOURCES;
  const plugin: PreScorePlugin & ScorePlugin = {
    name: NAMES.NodeResourcesBalancedAllocation,
    preScore(state, pod) {
      const requests = computePodRequests(pod).requests;
      if (isBestEffort(requests, resources)) return status('Skip');
      state.write(PRE_SCORE_KEY, scoredResources(requests, resources));
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const scored = state.read<ScoredResource[]>(PRE_SCORE_KEY) ?? scoredResources(computePodRequests(pod).requests, resources);
      return balancedScoreResolved(nodeInfo, scored);
    },
  };
  return plugin;
};
