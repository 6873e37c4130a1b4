/**
 * Facts about pods that every workload controller asks the same way as upstream's podutil:
 * whether a pod still counts (active), is Ready, and has been Ready long enough to be available.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** A pod that is neither finished nor being deleted: it counts towards a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/**
 * Ready for at least `minReadySeconds` at time `now` (ms). A Ready condition without a
 * transition time counts as available only when no wait is asked for.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}
