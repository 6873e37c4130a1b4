/**
 * Where preemption is worth trying and which nodes it tries: only nodes that failed with a
 * resolvable status (Unschedulable); a bounded number of candidates (10% of them, at least
 * 100) found by a dry run starting at a random node; whether the preemptor may preempt at all.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { status, type CycleState, type NodeToStatus, type SharedLister } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { podPriority } from './importance.ts';
import type { Candidate } from './pick-node.ts';
import { selectVictimsOnNode } from './select-victims.ts';
import type { WhatIfRunner } from './what-if.ts';

export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/** A pod upstream counts as on its way out because the scheduler preempted it. */
function terminatingByPreemption(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler');
}

/** Why `pod` may not preempt now, or undefined when it may. */
export function notEligibleReason(pod: Pod, snapshot: SharedLister, filtered: NodeToStatus): string | undefined {
  if (pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const nominated = pod.status?.nominatedNodeName;
  if (!nominated || filtered.get(nominated)?.code === 'UnschedulableAndUnresolvable') return undefined;
  // Victims evicted for this pod earlier are still leaving: wait for them rather than evict more.
  const info = snapshot.get(nominated);
  const priority = podPriority(pod);
  if (info?.pods.some((p) => podPriority(p.pod) < priority && terminatingByPreemption(p.pod))) {
    return 'not eligible due to a terminating pod on the nominated node.';
  }
  return undefined;
}

/** Nodes whose rejection preemption could undo, and the "not helpful" status of the others. */
export function nodesWherePreemptionMightHelp(nodes: NodeInfo[], filtered: NodeToStatus): { potential: NodeInfo[]; statuses: NodeToStatus } {
  const potential: NodeInfo[] = [];
  const statuses: NodeToStatus = new Map();
  for (const info of nodes) {
    const name = info.node.metadata?.name ?? '';
    if (filtered.get(name)?.code === 'Unschedulable') potential.push(info);
    else statuses.set(name, status('UnschedulableAndUnresolvable', NOT_HELPFUL));
  }
  return { potential, statuses };
}

/** How many candidates to look for among `n` nodes: a share of them, at least an absolute floor, at most n. */
export function numCandidates(n: number, minPercentage = 10, minAbsolute = 100): number {
  return Math.min(n, Math.max(Math.floor((n * minPercentage) / 100), minAbsolute));
}

/**
 * The dry run: nodes from `offset` round, each tried on copies, until `want` candidates are
 * found (and at least one of them spares every budget, or the nodes run out). Candidates
 * that violate no budget come first. Statuses of nodes that gave no candidate go into `statuses`.
 */
export function dryRunPreemption(
  runner: WhatIfRunner,
  state: CycleState,
  pod: Pod,
  potential: NodeInfo[],
  pdbs: PodDisruptionBudget[],
  o: { offset: number; want: number; now: number; statuses: NodeToStatus },
): Candidate[] {
  const nonViolating: Candidate[] = [];
  const violating: Candidate[] = [];
  for (let i = 0; i < potential.length; i++) {
    const info = potential[(o.offset + i) % potential.length];
    const nodeName = info.node.metadata?.name ?? '';
    const r = selectVictimsOnNode(runner, state, pod, info, pdbs, o.now);
    if (r.status.code === 'Success' && r.victims.length > 0) {
      (r.numPDBViolations === 0 ? nonViolating : violating).push({ nodeName, victims: r.victims, numPDBViolations: r.numPDBViolations });
      if (nonViolating.length > 0 && nonViolating.length + violating.length >= o.want) break;
    } else {
      o.statuses.set(nodeName, r.status.code === 'Success' ? status('Error', `expected at least one victim pod on node ${nodeName}`) : r.status);
    }
  }
  return [...nonViolating, ...violating];
}
