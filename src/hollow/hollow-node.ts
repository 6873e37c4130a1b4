/**
 * The Node object of a hollow node and the status it reports, built purely from its name,
 * its index among the hollow nodes (which fixes its fake address and pod range) and the
 * resources it claims: what a kubelet would register, without a host behind it.
 */
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../api/time.ts';
import { KUBELET_VERSION } from '../kubelet/node-status.ts';

/** Label on every hollow node, so tools (and `kubectl get nodes -l`) can tell them apart. */
export const HOLLOW_NODE_LABEL = 'skiff.dev/hollow-node';

/** What a hollow node claims to have. */
export interface HollowNodeShape {
  /** CPU capacity as a quantity, e.g. "4". */
  cpu: string;
  /** Memory capacity as a quantity, e.g. "16Gi". */
  memory: string;
  /** Most pods the node takes, e.g. 110. */
  pods: number;
}

export const DEFAULT_HOLLOW_NODE_SHAPE: HollowNodeShape = { cpu: '4', memory: '16Gi', pods: 110 };

/** Hollow nodes fit in the 100.64.0.0/10 range: 16,384 /24 pod ranges. */
export const MAX_HOLLOW_NODES = 16_384;

/** The fake InternalIP of node `index`: 172.16.0.0/12 counted from .0.1 (no host holds it). */
export function hollowNodeIP(index: number): string {
  return intToIPv4(0xac100000 + index + 1);
}

/**
 * The fake /24 pod range of node `index`, in shared address space (100.64.0.0/10) so it
 * never overlaps the cluster CIDR of real nodes: 100.64.0.0/24 for node 0, and so on.
 */
export function hollowPodCIDR(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_HOLLOW_NODES) throw new RangeError(`hollow node index ${index} is outside 0..${MAX_HOLLOW_NODES - 1}`);
  return `${intToIPv4(0x64400000 + index * 256)}/24`;
}

/** The Node as first registered: labels as a kubelet sets them, and its first status. */
export function newHollowNode(name: string, index: number, shape: HollowNodeShape, now: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        [HOLLOW_NODE_LABEL]: 'true',
      },
    },
    spec: {},
    status: hollowNodeStatus(name, index, shape, now, undefined),
  };
}

/** The status a hollow node posts: always Ready and without pressure; transition times kept from `old`. */
export function hollowNodeStatus(name: string, index: number, shape: HollowNodeShape, now: number, old: NodeStatus | undefined): NodeStatus {
  const capacity = { cpu: shape.cpu, memory: shape.memory, pods: String(shape.pods), 'ephemeral-storage': '100Gi' };
  const stamp = formatTime(now);
  const conditions: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status (hollow node)' },
  ];
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: conditions.map((c) => {
      const prev = old?.conditions?.find((o) => o.type === c.type);
      return { ...c, lastHeartbeatTime: stamp, lastTransitionTime: prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp };
    }),
    addresses: [
      { type: 'InternalIP', address: hollowNodeIP(index) },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: hollowId(index),
      systemUUID: hollowId(index),
      bootID: hollowId(index),
      kernelVersion: 'hollow',
      osImage: 'Skiff hollow node',
      containerRuntimeVersion: 'hollow://0.1.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** A stable 32-hex-digit id per node index (machine-id format). */
function hollowId(index: number): string {
  return `5k1ff${index.toString(16).padStart(27, '0')}`;
}

function intToIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
