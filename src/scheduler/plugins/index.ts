/**
 * The in-tree scheduler plugins, by their upstream names: the registry the framework builds
 * profiles from. Which of them run by default, and with which score weights, is
 * DEFAULT_PLUGINS (upstream's default profile; PrioritySort is the queue's own ordering).
 */
import type { PluginFactory } from '../framework/interface.ts';
import { newDefaultBinder } from './default-binder.ts';
import { newDefaultPreemption } from './default-preemption/index.ts';
import { newImageLocality } from './image-locality.ts';
import { newInterPodAffinity } from './inter-pod-affinity/index.ts';
import { NAMES } from './names.ts';
import { newNodeAffinity } from './node-affinity.ts';
import { newNodeName } from './node-name.ts';
import { newNodePorts } from './node-ports.ts';
import { newNodeResourcesBalancedAllocation } from './node-resources-balanced-allocation.ts';
import { newNodeResourcesFit } from './node-resources-fit.ts';
import { newNodeUnschedulable } from './node-unschedulable.ts';
import { newPodTopologySpread } from './pod-topology-spread/index.ts';
import { newTaintToleration } from './taint-toleration.ts';

export const IN_TREE_PLUGINS: Record<string, PluginFactory> = {
  [NAMES.NodeName]: newNodeName,
  [NAMES.NodeUnschedulable]: newNodeUnschedulable,
  [NAMES.NodeResourcesFit]: newNodeResourcesFit,
  [NAMES.NodeResourcesBalancedAllocation]: newNodeResourcesBalancedAllocation,
  [NAMES.NodeAffinity]: newNodeAffinity,
  [NAMES.TaintToleration]: newTaintToleration,
  [NAMES.NodePorts]: newNodePorts,
  [NAMES.PodTopologySpread]: newPodTopologySpread,
  [NAMES.InterPodAffinity]: newInterPodAffinity,
  [NAMES.ImageLocality]: newImageLocality,
  [NAMES.DefaultBinder]: newDefaultBinder,
  [NAMES.DefaultPreemption]: newDefaultPreemption,
};

export { DEFAULT_PLUGINS } from '../config.ts';
export { NAMES } from './names.ts';
