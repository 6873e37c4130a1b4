/**
 * DefaultPreemption (PostFilter): when a pod fits nowhere, find nodes where evicting
 * lower-priority pods would make room, pick one as upstream does, evict the victims, clear the
 * nomination of lower-priority pods nominated there, and nominate the node for the pod (the
 * framework writes status.nominatedNodeName). Args (upstream's DefaultPreemptionArgs):
 * minCandidateNodesPercentage (10), minCandidateNodesAbsolute (100).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { status, type CycleState, type Handle, type NodeToStatus, type PluginFactory, type PostFilterPlugin, type PostFilterResult, type Status } from '../../framework/interface.ts';
import { NAMES } from '../names.ts';
import { dryRunPreemption, nodesWherePreemptionMightHelp, notEligibleReason, numCandidates } from './candidates.ts';
import { podPriority } from './importance.ts';
import { pickOneNodeForPreemption } from './pick-node.ts';
import { preemptionApiFromHandle, type PreemptionApi } from './preemption-api.ts';

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

/** Upstream's FitError wording for the nodes preemption looked at. */
function nodesAvailableMessage(numAllNodes: number, statuses: NodeToStatus): string {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}

type Outcome = { result?: PostFilterResult; status: Status };

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAMES.DefaultPreemption;

  constructor(
    private readonly handle: Handle,
    private readonly api: PreemptionApi,
    private readonly options: DefaultPreemptionArgs & { random?: () => number; now?: () => number } = {},
  ) {}

  async postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<Outcome> {
    const outcome = await this.preempt(state, pod, filtered);
    const reasons = outcome.status.reasons.map((r) => `preemption: ${r}`);
    return { result: outcome.result, status: { ...outcome.status, reasons } };
  }

  private async preempt(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<Outcome> {
    const snapshot = this.handle.snapshot();
    const why = notEligibleReason(pod, snapshot, filtered);
    if (why) return { status: status('Unschedulable', why) };
    const all = snapshot.list();
    const { potential, statuses } = nodesWherePreemptionMightHelp(all, filtered);
    const noCandidate = (): Outcome => ({ result: { nominatedNodeName: '' }, status: status('Unschedulable', nodesAvailableMessage(all.length, statuses)) });
    if (potential.length === 0) {
      if (pod.status?.nominatedNodeName) await this.clearNomination(pod);
      return noCandidate();
    }
    const now = (this.options.now ?? Date.now)();
    const random = this.options.random ?? Math.random;
    const want = numCandidates(potential.length, this.options.minCandidateNodesPercentage, this.options.minCandidateNodesAbsolute);
    const offset = Math.floor(random() * potential.length);
    const candidates = dryRunPreemption(this.handle, state, pod, potential, this.api.podDisruptionBudgets(), { offset, want, now, statuses });
    const best = pickOneNodeForPreemption(candidates, now);
    if (!best) return noCandidate();
    try {
      for (const victim of best.victims) await this.api.evict(victim, pod, best.nodeName);
    } catch (err) {
      return { status: status('Error', err instanceof Error ? err.message : String(err)) };
    }
    // Lower-priority pods promised this node may no longer fit there; let them look again.
    const priority = podPriority(pod);
    for (const p of this.handle.nominatedPodsForNode(best.nodeName)) {
      if (podPriority(p) < priority && p.metadata?.uid !== pod.metadata?.uid) await this.clearNomination(p);
    }
    return { result: { nominatedNodeName: best.nodeName }, status: status('Success') };
  }

  /** A stale nomination only costs a later retry, so failing to clear one does not fail preemption. */
  private async clearNomination(pod: Pod): Promise<void> {
    await this.api.clearNominatedNodeName(pod).catch(() => undefined);
  }
}

export const newDefaultPreemption: PluginFactory = (rawArgs, handle) => {
  const args = (rawArgs ?? {}) as DefaultPreemptionArgs;
  return new DefaultPreemption(handle, preemptionApiFromHandle(handle), args);
};
