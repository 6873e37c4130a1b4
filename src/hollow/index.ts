/**
 * Hollow nodes: simulated Nodes that look, through the API, like nodes with a kubelet
 * (registration, Leases, status, pods reported Running and deletions completed) with no
 * containers behind them, so a cluster can be driven to thousands of nodes on one machine.
 */
export { startHollowNodes, type HollowNodesOptions, type RunningHollowNodes } from './hollow-nodes.ts';
export { DEFAULT_HOLLOW_NODE_SHAPE, HOLLOW_NODE_LABEL, MAX_HOLLOW_NODES, type HollowNodeShape } from './hollow-node.ts';
export { COMPLETE_AFTER_ANNOTATION } from './hollow-pod.ts';
