/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods, except those that
 * tolerate the node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).
 */
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { tolerates } from '../../controllers/taints.ts';
import { status, SUCCESS, type FilterPlugin, type PluginFactory } from '../framework/interface.ts';
import { NAMES } from './names.ts';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

/** Whether `pod` may be placed on `node` despite a cordon. */
export function fitsUnschedulable(pod: Pod, node: Node): boolean {
  if (!node.spec?.unschedulable) return true;
  for (const t of pod.spec?.tolerations ?? []) if (tolerates(t, UNSCHEDULABLE_TAINT)) return true;
  return false;
}

export const newNodeUnschedulable: PluginFactory = (): FilterPlugin => ({
  name: NAMES.NodeUnschedulable,
  eventsToRegister: () => [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'UpdateNodeTaint' }],
  filter: (_state, pod, nodeInfo) =>
    !nodeInfo.unschedulable || fitsUnschedulable(pod, nodeInfo.node) ? SUCCESS : status('UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE),
});
