/**
 * The status a rolling-out Deployment reports, with its Progressing condition (upstream's
 * syncRolloutStatus): NewReplicaSetAvailable once complete, ReplicaSetUpdated whenever a
 * count moved forward (refreshing lastUpdateTime), ProgressDeadlineExceeded when nothing moved
 * for progressDeadlineSeconds; and when to look again so a stall is noticed on time.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  calculateDeploymentStatus,
  conditionOf,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  hasProgressDeadline,
  newCondition,
  removeCondition,
  setCondition,
} from './deployment-util.ts';

export interface RolloutStatus {
  status: DeploymentStatus;
  /** When the deadline would pass without progress: sync again then. */
  recheckAfterMs?: number;
}

export function rolloutStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): RolloutStatus {
  const status = calculateDeploymentStatus(d, allRSs, newRS, now);
  const deadline = hasProgressDeadline(d);
  if (!deadline) removeCondition(status, 'Progressing');
  const current = conditionOf(status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  const what = newRS ? `ReplicaSet "${newRS.metadata!.name}"` : `Deployment "${d.metadata!.name}"`;
  if (deadline && !d.spec?.paused && !complete) {
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `${what} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      const cond = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `${what} is progressing.`, now);
      // Progress refreshes lastUpdateTime even when the reason stays the same.
      if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `${what} has timed out progressing.`, now));
    }
  }
  const cond = conditionOf(status, 'Progressing');
  if (!deadline || d.spec?.paused || cond?.status !== 'True' || cond.reason === 'NewReplicaSetAvailable') return { status };
  const at = Date.parse(cond.lastUpdateTime ?? '') + (d.spec!.progressDeadlineSeconds ?? 600) * 1000;
  return Number.isFinite(at) ? { status, recheckAfterMs: Math.max(1000, at - now + 1000) } : { status };
}
