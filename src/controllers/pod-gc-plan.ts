/**
 * Which pods the pod garbage collector removes by their own state alone (no I/O): terminated
 * pods beyond the threshold, oldest first, and pods being deleted that no node will ever
 * finish deleting because none was assigned.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export function isPodTerminated(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * The terminated pods to delete so that at most `threshold` remain: the oldest by
 * creationTimestamp (then name, for a stable order within one second). A threshold ≤ 0
 * turns this off, as upstream's --terminated-pod-gc-threshold.
 */
export function terminatedPodsToDelete(pods: Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter((p) => isPodTerminated(p) && !p.metadata?.deletionTimestamp);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  const created = (p: Pod) => Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  const key = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  return terminated.sort((a, b) => created(a) - created(b) || key(a).localeCompare(key(b))).slice(0, excess);
}

/** Pods marked for deletion but bound to no node: no kubelet will ever finish them. */
export function unscheduledTerminatingPods(pods: Pod[]): Pod[] {
  return pods.filter((p) => p.metadata?.deletionTimestamp && !p.spec?.nodeName);
}
