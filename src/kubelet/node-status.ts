/**
 * The Node object the kubelet registers and the status it reports, built purely from the host's
 * facts ({@link HostFacts}), the runtime's version, the images present and the options:
 * labels, addresses, capacity and allocatable (capacity minus reservations), nodeInfo, the
 * Ready/MemoryPressure/DiskPressure/PIDPressure conditions with heartbeat times, images and
 * the kubelet's endpoint. Condition transition times move only when a condition flips.
 */
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../api/time.ts';
import { parseQuantity } from '../api/validation/quantity.ts';
import type { Image } from './images/image-service.ts';
import type { HostFacts } from './node-info.ts';

/** The Kubernetes version the kubelet speaks for. */
export const KUBELET_VERSION = 'v1.32.0';
/** Pods a node takes, as upstream's default maxPods. */
export const MAX_PODS = 110;
/** Upstream's default hard eviction thresholds, which set the pressure conditions. */
const MEMORY_PRESSURE_BELOW_BYTES = 100 * 1024 * 1024;
const DISK_PRESSURE_BELOW_FRACTION = 0.1;
/** node.status.images lists at most this many, biggest first (upstream's nodeStatusMaxImages). */
const MAX_IMAGES = 50;

/** Resources held back from pods (--system-reserved, --kube-reserved), e.g. { cpu: '500m', memory: '1Gi' }. */
export type ResourceList = Record<string, string>;

export interface NodeStatusInputs {
  facts: HostFacts;
  /** The runtime's name and version; undefined when it does not answer (the node is not Ready). */
  runtime?: { name: string; version: string };
  /** Why the pod network cannot give pods addresses yet (the node is not Ready); undefined when it can. */
  networkNotReady?: string;
  images: Image[];
  /** Port of the kubelet's HTTPS server (logs, exec, port-forward). */
  kubeletPort: number;
  systemReserved?: ResourceList;
  kubeReserved?: ResourceList;
  now: number;
}

/** The labels a kubelet puts on its Node. */
export function nodeLabels(nodeName: string, facts: HostFacts, isServer: boolean): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': facts.architecture,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': facts.architecture,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    ...(isServer ? { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' } : {}),
  };
}

/** The node as first registered. */
export function newNode(nodeName: string, isServer: boolean, inputs: NodeStatusInputs): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName, labels: nodeLabels(nodeName, inputs.facts, isServer) },
    spec: {},
    status: buildNodeStatus(inputs, undefined),
  };
}

/** Ready, as upstream words it: the runtime first, then the runtime's network. */
function readyCondition(inputs: NodeStatusInputs): Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'> {
  if (!inputs.runtime) return { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' };
  if (inputs.networkNotReady) {
    const message = `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${inputs.networkNotReady}`;
    return { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message };
  }
  return { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
}

export function buildNodeStatus(inputs: NodeStatusInputs, old: NodeStatus | undefined): NodeStatus {
  const { facts, now } = inputs;
  const capacity: ResourceList = {
    cpu: String(facts.cpus),
    'ephemeral-storage': bytes(facts.storageBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: bytes(facts.memoryBytes),
    pods: String(MAX_PODS),
  };
  const reserved = (name: string) => (parseQuantity(inputs.systemReserved?.[name] ?? 0) ?? 0) + (parseQuantity(inputs.kubeReserved?.[name] ?? 0) ?? 0);
  const allocatable: ResourceList = {
    ...capacity,
    cpu: cpu(Math.max(0, facts.cpus - reserved('cpu'))),
    'ephemeral-storage': bytes(Math.max(0, facts.storageBytes - reserved('ephemeral-storage'))),
    memory: bytes(Math.max(0, facts.memoryBytes - reserved('memory'))),
  };
  const memoryPressure = facts.memoryAvailableBytes < MEMORY_PRESSURE_BELOW_BYTES;
  const diskPressure = facts.storageAvailableBytes < facts.storageBytes * DISK_PRESSURE_BELOW_FRACTION;
  const conditions: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] = [
    memoryPressure
      ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
      : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    diskPressure
      ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
      : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    readyCondition(inputs),
  ];
  const stamp = formatTime(now);
  return {
    capacity,
    allocatable,
    conditions: conditions.map((c) => {
      const prev = old?.conditions?.find((o) => o.type === c.type);
      return { ...c, lastHeartbeatTime: stamp, lastTransitionTime: prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp };
    }),
    addresses: [
      { type: 'InternalIP', address: facts.nodeIP },
      { type: 'Hostname', address: facts.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: inputs.kubeletPort } },
    nodeInfo: {
      machineID: facts.machineID,
      systemUUID: facts.systemUUID,
      bootID: facts.bootID,
      kernelVersion: facts.kernelVersion,
      osImage: facts.osImage,
      containerRuntimeVersion: inputs.runtime ? `${inputs.runtime.name}://${inputs.runtime.version}` : old?.nodeInfo?.containerRuntimeVersion ?? '',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: facts.architecture,
    },
    images: [...inputs.images]
      .sort((a, b) => b.size - a.size)
      .slice(0, MAX_IMAGES)
      .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size })),
  };
}

/** Whether `next` says something `old` does not, heartbeat times aside. */
export function nodeStatusChanged(old: NodeStatus | undefined, next: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) =>
    JSON.stringify({ ...s, conditions: (s?.conditions ?? []).map(({ lastHeartbeatTime: _, ...c }) => c) }, (_, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
    );
  return strip(old) !== strip(next);
}

/** Bytes as a quantity: in Ki when whole, as upstream prints memory capacity. */
function bytes(n: number): string {
  const whole = Math.floor(n);
  return whole % 1024 === 0 ? `${whole / 1024}Ki` : String(whole);
}

/** CPUs as a quantity: whole cores, or millicores. */
function cpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
