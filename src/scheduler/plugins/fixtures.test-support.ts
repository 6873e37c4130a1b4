/**
 * Node and pod fixtures for the plugin tests: small builders that read like the manifests
 * they stand for, and a snapshot-backed Handle whose filter runner the tests choose.
 */
import type { Container, Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { CycleState, SUCCESS, type Handle, type SharedLister, type Status } from '../framework/interface.ts';
import { newNodeInfo, type MutableNodeInfo, type NodeInfo } from '../framework/node-info.ts';

/** What a test node may have; `allocatable` defaults to 4 CPUs, 8 GiB and 110 pods. */
export interface NodeOptions {
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  allocatable?: Record<string, string>;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110', ...o.allocatable }, images: o.images },
  };
}

/** What a test pod may have; `requests` go on its single container. */
export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  requests?: Record<string, string>;
  containers?: Container[];
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: NonNullable<Pod['spec']>['affinity'];
  topologySpreadConstraints?: NonNullable<Pod['spec']>['topologySpreadConstraints'];
  priority?: number;
  preemptionPolicy?: string;
  startTime?: string;
  deletionTimestamp?: string;
  nominatedNodeName?: string;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const container: Container = { name: 'c', image: 'busybox', resources: o.requests ? { requests: o.requests } : undefined };
  return {
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}`, labels: o.labels, deletionTimestamp: o.deletionTimestamp },
    spec: {
      nodeName: o.nodeName,
      containers: o.containers ?? [container],
      tolerations: o.tolerations,
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      topologySpreadConstraints: o.topologySpreadConstraints,
      priority: o.priority,
      preemptionPolicy: o.preemptionPolicy,
    },
    status: { startTime: o.startTime, nominatedNodeName: o.nominatedNodeName },
  };
}

/** A node with the pods placed on it (pods get nodeName set). */
export function nodeWith(node: Node, pods: Pod[] = []): MutableNodeInfo {
  const name = node.metadata?.name;
  return newNodeInfo(node, pods.map((p) => ({ ...p, spec: { ...p.spec!, nodeName: name } })));
}

/** A SharedLister over fixed NodeInfos. */
export function lister(nodes: NodeInfo[]): SharedLister {
  const byName = new Map(nodes.map((n) => [n.node.metadata!.name!, n]));
  const hasAffinity = (n: NodeInfo) => n.podsWithAffinity.length > 0;
  return {
    list: () => nodes,
    get: (name) => byName.get(name),
    havePodsWithAffinity: () => nodes.filter(hasAffinity),
    havePodsWithRequiredAntiAffinity: () => nodes.filter((n) => n.podsWithRequiredAntiAffinity.length > 0),
  };
}

/** A Handle over `nodes`; filters, PreFilter extensions and nominated pods are the test's to supply. */
export function fakeHandle(
  nodes: NodeInfo[],
  o: {
    filter?: (state: CycleState, pod: Pod, nodeInfo: NodeInfo) => Status;
    addPod?: Handle['runPreFilterAddPod'];
    removePod?: Handle['runPreFilterRemovePod'];
    nominated?: Record<string, Pod[]>;
  } = {},
): Handle {
  const snapshot = lister(nodes);
  return {
    snapshot: () => snapshot,
    nominatedPodsForNode: (name) => o.nominated?.[name] ?? [],
    runFilterPlugins: o.filter ?? (() => SUCCESS),
    runPreFilterAddPod: o.addPod ?? (() => SUCCESS),
    runPreFilterRemovePod: o.removePod ?? (() => SUCCESS),
  };
}

export { CycleState };
