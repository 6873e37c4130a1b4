/**
 * Which cluster events an informer change amounts to, in the words plugins register
 * (eventsToRegister): a node update is an allocatable, label, taint or condition change, or
 * nothing the scheduler cares about (a heartbeat), so a node's status updates do not flush
 * the unschedulable pods every few seconds.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ClusterEvent } from './framework/interface.ts';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The events a Node update is, possibly none. */
export function nodeUpdateEvents(oldNode: Node, node: Node): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  if (!same(oldNode.status?.allocatable, node.status?.allocatable)) events.push({ resource: 'Node', action: 'UpdateNodeAllocatable' });
  if (!same(oldNode.metadata?.labels, node.metadata?.labels)) events.push({ resource: 'Node', action: 'UpdateNodeLabel' });
  // Cordoning flips spec.unschedulable; upstream files that under taints too.
  if (!same(oldNode.spec?.taints, node.spec?.taints) || !!oldNode.spec?.unschedulable !== !!node.spec?.unschedulable) {
    events.push({ resource: 'Node', action: 'UpdateNodeTaint' });
  }
  const conditions = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();
  if (!same(conditions(oldNode), conditions(node))) events.push({ resource: 'Node', action: 'UpdateNodeCondition' });
  return events;
}

/** The event an update of an assigned pod is, if any. */
export function assignedPodUpdateEvent(oldPod: Pod, pod: Pod): ClusterEvent | undefined {
  const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  // A pod that finished frees its node's resources, as a delete does.
  if (!terminal(oldPod) && terminal(pod)) return { resource: 'Pod', action: 'Delete' };
  if (!same(oldPod.metadata?.labels, pod.metadata?.labels)) return { resource: 'Pod', action: 'UpdatePodLabel' };
  return undefined;
}
