/**
 * Scaling a Deployment that is not (or not only) rolling out (upstream's `scale`): with one
 * ReplicaSet running, it takes spec.replicas; with several mid-rollout, the change is shared
 * out in proportion to their sizes, so that `kubectl scale` in the middle of a rollout keeps
 * the old/new mix instead of restarting the rollout. Each ReplicaSet records the Deployment size
 * it was last scaled for (desired-replicas, max-replicas); a mismatch is what makes a sync a
 * scaling event.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { byCreation, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from './deployment-util.ts';
import { maxSurge } from './rolling-params.ts';

const replicasOf = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const n = Number(rs.metadata?.annotations?.[key]);
  return rs.metadata?.annotations?.[key] !== undefined && Number.isInteger(n) ? n : undefined;
}

/** Whether some running ReplicaSet was last scaled for another spec.replicas than the Deployment's. */
export function isScalingEvent(d: Deployment, allRSs: ReplicaSet[]): boolean {
  const replicas = d.spec?.replicas ?? 1;
  return allRSs.some((rs) => {
    const desired = replicasOf(rs) > 0 ? annotationInt(rs, DESIRED_REPLICAS_ANNOTATION) : undefined;
    return desired !== undefined && desired !== replicas;
  });
}

/** The new spec.replicas of every ReplicaSet to resize, by name. */
export function scalePlan(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Map<string, number> {
  const plan = new Map<string, number>();
  const replicas = d.spec?.replicas ?? 1;
  const all = newRS ? [newRS, ...oldRSs] : oldRSs;
  const active = all.filter((rs) => replicasOf(rs) > 0);
  // One running (or none: the newest takes it all).
  const single = active.length === 1 ? active[0] : active.length === 0 ? newRS ?? [...oldRSs].sort(byCreation).at(-1) : undefined;
  if (single) {
    if (replicasOf(single) !== replicas) plan.set(single.metadata!.name!, replicas);
    return plan;
  }
  if (d.spec?.strategy?.type === 'Recreate') return plan;
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - active.reduce((n, rs) => n + replicasOf(rs), 0);
  if (toAdd === 0) return plan;
  // Growing: largest (then newest) first; shrinking: largest (then oldest) first.
  const sorted = [...active].sort((a, b) => replicasOf(b) - replicasOf(a) || (toAdd > 0 ? -byCreation(a, b) : byCreation(a, b)));
  let added = 0;
  const sizes = new Map<string, number>();
  for (const rs of sorted) {
    const share = proportion(rs, d, toAdd, added);
    sizes.set(rs.metadata!.name!, replicasOf(rs) + share);
    added += share;
  }
  const first = sorted[0].metadata!.name!;
  sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  for (const rs of sorted) {
    const size = sizes.get(rs.metadata!.name!)!;
    if (size !== replicasOf(rs)) plan.set(rs.metadata!.name!, size);
  }
  return plan;
}

/** `rs`'s share of `toAdd` (negative when shrinking), never past what is left to share. */
function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === added) return 0;
  const replicas = d.spec?.replicas ?? 1;
  let fraction: number;
  if (replicas === 0) fraction = -replicasOf(rs);
  else {
    const wanted = replicas + maxSurge(d);
    const was = annotationInt(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
    fraction = was > 0 ? Math.round((replicasOf(rs) * wanted) / was) - replicasOf(rs) : 0;
  }
  const left = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
}
