/**
 * Which surplus pods a ReplicaSet deletes first, ranked as upstream's ActivePodsWithRanks so
 * that the pods that cost least to lose go first:
 *  1. unscheduled before scheduled;
 *  2. Pending before Unknown before Running;
 *  3. not Ready before Ready;
 *  4. lower `controller.kubernetes.io/pod-deletion-cost` first;
 *  5. pods sharing their node with more related pods first (spreads the survivors);
 *  6. Ready for a shorter time first;
 *  7. more container restarts first;
 *  8. newer first.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { keyOf } from '../client/index.ts';
import { isPodReady, readyCondition } from './pod-util.ts';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

export interface RankedPod {
  pod: Pod;
  /** Related pods on the same node (rule 5). */
  rank: number;
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod): number {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (!na || !nb)) return na ? 1 : -1;
  const phaseA = PHASE_ORDER[pa.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDER[pb.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(pa);
  const readyB = isPodReady(pb);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(pa);
  const costB = deletionCost(pb);
  if (costA !== costB) return costA - costB;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (readyA && readyB) {
    const ta = time(readyCondition(pa)?.lastTransitionTime);
    const tb = time(readyCondition(pb)?.lastTransitionTime);
    // An unknown ready time counts as the most recent.
    if (ta !== tb) return tb - ta;
  }
  const restartsA = restarts(pa);
  const restartsB = restarts(pb);
  if (restartsA !== restartsB) return restartsB - restartsA;
  return time(pb.metadata?.creationTimestamp) - time(pa.metadata?.creationTimestamp);
}

/** The `count` pods of `pods` to delete first; `related` are the pods used for rule 5. */
export function podsToDelete(pods: Pod[], related: Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  return pods
    .map((pod) => ({ pod, rank: pod.spec?.nodeName ? perNode.get(pod.spec.nodeName) ?? 0 : 0 }))
    .sort((a, b) => compareForDeletion(a, b) || (keyOf(a.pod) < keyOf(b.pod) ? -1 : 1))
    .slice(0, count)
    .map((r) => r.pod);
}

function deletionCost(pod: Pod): number {
  const n = Number(pod.metadata?.annotations?.[POD_DELETION_COST]);
  return Number.isInteger(n) ? n : 0;
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((max, c) => Math.max(max, c.restartCount ?? 0), 0);
}

/** Milliseconds of a timestamp; a missing one sorts as the newest possible. */
function time(t: string | undefined): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}
