/**
 * The pure rules of the Deployment controller (upstream's deployment/util): which ReplicaSet
 * is new and which are old, revisions and the annotations that carry them, how far the new
 * ReplicaSet may grow and the old ones shrink in a rolling update, and the status and
 * conditions a Deployment reports. No I/O: the controller feeds in what its caches show.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { POD_TEMPLATE_HASH_LABEL, canonicalJson } from './pod-template-hash.ts';
import { formatTime } from '../api/time.ts';
import { maxSurge, maxUnavailable } from './rolling-params.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** Deployment annotations that are not copied to its ReplicaSets (nor back by a rollback). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** The template without the pod-template-hash label, for comparing a Deployment's with a ReplicaSet's. */
function withoutHash(t: PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(t ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}

export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/** The oldest ReplicaSet whose template is the Deployment's (the oldest, should several be). */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  const n = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export function maxRevision(rsList: ReplicaSet[]): number {
  return rsList.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

/**
 * Brings `rs`'s annotations up to date for the Deployment's current revision `newRevision`:
 * the Deployment's own annotations copied, the revision raised, the revision it had before
 * appended to revision-history (a rollback brings an old ReplicaSet back as the newest).
 * Returns whether anything changed; `rs` is changed in place.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const meta = (rs.metadata ??= {});
  const annotations = (meta.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const old = revisionOf(rs);
  if (old < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (exists && old > 0) {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${old}` : String(old);
    }
  }
  return setReplicasAnnotations(d, rs) || changed;
}

/**
 * Records on `rs` the Deployment's size when it was last scaled (desired-replicas) and the
 * most pods the rollout may run (max-replicas), as upstream does; returns whether they changed.
 */
export function setReplicasAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const annotations = ((rs.metadata ??= {}).annotations ??= {});
  const desired = String(d.spec?.replicas ?? 1);
  const max = String((d.spec?.replicas ?? 1) + maxSurge(d));
  if (annotations[DESIRED_REPLICAS_ANNOTATION] === desired && annotations[MAX_REPLICAS_ANNOTATION] === max) return false;
  annotations[DESIRED_REPLICAS_ANNOTATION] = desired;
  annotations[MAX_REPLICAS_ANNOTATION] = max;
  return true;
}

const specReplicas = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;

/**
 * Pods that exist or may soon: a ReplicaSet still shrinking has more pods than spec says
 * (status.replicas lags), one growing will create spec.replicas. Counting the larger keeps
 * the surge bound true at every moment, not only once things settle.
 */
function podsAtMost(rs: ReplicaSet): number {
  return Math.max(specReplicas(rs), rs.status?.replicas ?? 0);
}

/**
 * Available pods that can be relied on: status.availableReplicas can still count pods a
 * scale-down is removing, so never more than spec.replicas.
 */
function reliablyAvailable(rs: ReplicaSet): number {
  return Math.min(specReplicas(rs), rs.status?.availableReplicas ?? 0);
}

/** The replicas the new ReplicaSet should have now (upstream's NewRSNewReplicas). */
export function newReplicaSetReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = d.spec?.replicas ?? 1;
  if (d.spec?.strategy?.type === 'Recreate') return replicas;
  const maxTotal = replicas + maxSurge(d);
  const current = allRSs.reduce((n, rs) => n + podsAtMost(rs), 0);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, scaleUp);
}

/**
 * How the old ReplicaSets shrink in one step of a rolling update (upstream's
 * reconcileOldReplicaSets): first unhealthy pods (those not available) may go, as far as
 * the budget allows, then available ones, never taking availability below
 * spec.replicas - maxUnavailable. Returns the new spec.replicas of each old ReplicaSet that changes, by name.
 */
export function oldReplicaSetsScaleDown(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Map<string, number> {
  const plan = new Map<string, number>();
  const oldPods = oldRSs.reduce((n, rs) => n + specReplicas(rs), 0);
  if (oldPods === 0) return plan;
  const allPods = allRSs.reduce((n, rs) => n + specReplicas(rs), 0);
  const minAvailable = (d.spec?.replicas ?? 1) - maxUnavailable(d);
  const newUnavailable = newRS ? specReplicas(newRS) - reliablyAvailable(newRS) : 0;
  let budget = allPods - minAvailable - newUnavailable;
  if (budget <= 0) return plan;
  const sorted = [...oldRSs].sort(byCreation);
  const replicasOf = (rs: ReplicaSet) => plan.get(rs.metadata!.name!) ?? specReplicas(rs);
  for (const rs of sorted) {
    if (budget <= 0) break;
    const unhealthy = specReplicas(rs) - reliablyAvailable(rs);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(budget, unhealthy);
    plan.set(rs.metadata!.name!, specReplicas(rs) - down);
    budget -= down;
  }
  const available = allRSs.reduce((n, rs) => n + Math.min(replicasOf(rs), reliablyAvailable(rs)), 0);
  let allowed = available - minAvailable;
  for (const rs of sorted) {
    if (allowed <= 0) break;
    const current = replicasOf(rs);
    if (current === 0) continue;
    const down = Math.min(current, allowed);
    plan.set(rs.metadata!.name!, current - down);
    allowed -= down;
  }
  return plan;
}

export type ConditionType = 'Progressing' | 'Available' | 'ReplicaFailure';

export function conditionOf(status: DeploymentStatus | undefined, type: ConditionType): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Sets `cond` in `status` as upstream's SetDeploymentCondition: nothing changes when the same
 * status and reason are already there; a change of reason alone keeps lastTransitionTime.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = conditionOf(status, cond.type as ConditionType);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  if (current && current.status === cond.status) cond = { ...cond, lastTransitionTime: current.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: DeploymentStatus, type: ConditionType): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

export function newCondition(type: ConditionType, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: number): DeploymentCondition {
  const t = formatTime(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** The Deployment's status from its ReplicaSets (upstream's calculateStatus), with the Available condition. */
export function calculateDeploymentStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const sum = (f: (rs: ReplicaSet) => number | undefined) => allRSs.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const replicas = d.spec?.replicas ?? 1;
  const available = sum((rs) => rs.status?.availableReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (available >= replicas - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Every pod updated, available, and no old ones left, for the current generation. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = d.spec?.replicas ?? 1;
  return (
    status.updatedReplicas === replicas &&
    status.replicas === replicas &&
    status.availableReplicas === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Whether `status` shows progress over the Deployment's last reported status. */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** Whether progressDeadlineSeconds passed since the Progressing condition last saw progress. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  const cond = conditionOf(status, 'Progressing');
  if (!cond) return false;
  if (cond.reason === 'ProgressDeadlineExceeded') return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return Number.isFinite(from) && from + (d.spec?.progressDeadlineSeconds ?? 600) * 1000 < now;
}

/** Upstream treats an unset deadline (or MaxInt32) as none. */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}
