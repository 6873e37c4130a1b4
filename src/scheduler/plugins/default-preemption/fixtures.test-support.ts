/**
 * Preemption fixtures: a what-if runner backed by the real NodeResourcesFit plugin, so tests
 * read in cpu, and a recording fake of the preemption API.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { CycleState, FilterPlugin, Handle, PreFilterPlugin } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { newNodeResourcesFit } from '../node-resources-fit.ts';
import { fakeHandle } from '../fixtures.test-support.ts';
import type { PreemptionApi } from './preemption-api.ts';

/** A Handle whose Filter is NodeResourcesFit's; call prepare() to run its PreFilter into a state. */
export function fitHandle(nodes: NodeInfo[], nominated: Record<string, Pod[]> = {}): Handle & { prepare(state: CycleState, pod: Pod): void } {
  const fit = newNodeResourcesFit(undefined, fakeHandle(nodes)) as PreFilterPlugin & FilterPlugin;
  return {
    ...fakeHandle(nodes, { filter: (state, pod, info) => fit.filter(state, pod, info), nominated }),
    prepare: (state, pod) => void fit.preFilter(state, pod, nodes),
  };
}

/** Records what preemption asked of the API. */
export function recordingApi(pdbs: PodDisruptionBudget[] = []): PreemptionApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    podDisruptionBudgets: () => pdbs,
    evict: async (victim, _preemptor, nodeName) => void calls.push(`evict ${victim.metadata?.name} from ${nodeName}`),
    clearNominatedNodeName: async (pod) => void calls.push(`clear ${pod.metadata?.name}`),
  };
}

export function pdb(name: string, matchLabels: Record<string, string>, disruptionsAllowed: number, disruptedPods?: Record<string, string>): PodDisruptionBudget {
  return { metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels } }, status: { disruptionsAllowed, disruptedPods, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } };
}
