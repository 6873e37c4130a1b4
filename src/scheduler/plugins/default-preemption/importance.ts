/**
 * How preemption ranks pods: by priority, then by how long they have run (an older pod is
 * more important: evicting it loses more work). A pod not yet started counts as starting now.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** spec.priority, 0 when unset (admission fills it on real pods). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** status.startTime in ms, or `now` when the pod has not started. */
export function podStartTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  return Number.isFinite(t) ? t : now;
}

/** Upstream's MoreImportantPod as a sort comparator: more important first. */
export function byImportance(now: number): (a: Pod, b: Pod) => number {
  return (a, b) => podPriority(b) - podPriority(a) || podStartTime(a, now) - podStartTime(b, now);
}
