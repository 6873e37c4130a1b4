/**
 * NodeName: a pod that names its node (spec.nodeName) fits only there. The scheduler skips
 * pods that are already bound, so this matters for pods whose nodeName a PreFilter or a
 * preemption what-if considers.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { status, SUCCESS, type ClusterEvent, type FilterPlugin, type PluginFactory } from '../framework/interface.ts';
import { NAMES } from './names.ts';

export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** Whether `pod` may run on `node` as far as its spec.nodeName goes. */
export function fitsNodeName(pod: Pod, node: Node): boolean {
  const wanted = pod.spec?.nodeName;
  return !wanted || wanted === node.metadata?.name;
}

export const newNodeName: PluginFactory = (): FilterPlugin => ({
  name: NAMES.NodeName,
  eventsToRegister: (): ClusterEvent[] => [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }],
  filter: (_state, pod, nodeInfo) => (fitsNodeName(pod, nodeInfo.node) ? SUCCESS : status('UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME)),
});
