/** The in-tree plugins' names, as upstream spells them (configuration files refer to these). */
export const NAMES = {
  NodeName: 'NodeName',
  NodeUnschedulable: 'NodeUnschedulable',
  NodeResourcesFit: 'NodeResourcesFit',
  NodeResourcesBalancedAllocation: 'NodeResourcesBalancedAllocation',
  NodeAffinity: 'NodeAffinity',
  TaintToleration: 'TaintToleration',
  NodePorts: 'NodePorts',
  PodTopologySpread: 'PodTopologySpread',
  InterPodAffinity: 'InterPodAffinity',
  ImageLocality: 'ImageLocality',
  DefaultBinder: 'DefaultBinder',
  DefaultPreemption: 'DefaultPreemption',
} as const;
