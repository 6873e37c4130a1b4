/**
 * NodeResourcesBalancedAllocation: prefers nodes where, with the pod placed, the shares of cpu
 * and memory in use are close to each other (1 − their standard deviation), so no resource is
 * exhausted while another sits idle. Best-effort pods (no requests) are not scored.
 */
import { MAX_NODE_SCORE, SUCCESS, status, type PluginFactory, type PreScorePlugin, type ScorePlugin } from '../framework/interface.ts';
import { computePodRequests, type NodeInfo, type Resource } from '../framework/node-info.ts';
import { NAMES } from './names.ts';
import { amountOf, DEFAULT_RESOURCES, requestedWithPod, skipsResource, type ResourceSpec } from './resource-allocation.ts';

/** The share of resource `name` in use with the pod placed (capped at 1); undefined when it is left out. */
function fraction(nodeInfo: NodeInfo, podRequests: Resource, name: string): number | undefined {
  const allocatable = amountOf(nodeInfo.allocatable, name);
  if (allocatable === 0 || skipsResource(podRequests, name)) return undefined;
  return Math.min(requestedWithPod(nodeInfo, podRequests, name, true) / allocatable, 1);
}

/**
 * Upstream's balancedResourceScorer: (1 − the standard deviation of the shares in use) × 100.
 * Two shares, the default, take the allocation-free path.
 */
export function balancedScore(nodeInfo: NodeInfo, podRequests: Resource, resources: ResourceSpec[]): number {
  let std = 0;
  if (resources.length === 2) {
    const a = fraction(nodeInfo, podRequests, resources[0].name);
    const b = fraction(nodeInfo, podRequests, resources[1].name);
    if (a !== undefined && b !== undefined) std = Math.abs((a - b) / 2);
  } else {
    const fractions: number[] = [];
    for (const r of resources) {
      const f = fraction(nodeInfo, podRequests, r.name);
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
      state.write(PRE_SCORE_KEY, requests);
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const requests = state.read<Resource>(PRE_SCORE_KEY) ?? computePodRequests(pod).requests;
      return { score: balancedScore(nodeInfo, requests, resources), status: SUCCESS };
    },
  };
  return plugin;
};
