/**
 * NodeInfo: one node as the scheduler sees it — the Node object, the pods assigned to it
 * (bound or assumed), and the sums the plugins need so that no Filter walks every pod.
 * The scheduler cache keeps one per node and hands cycles cheap snapshots.
 */
import type { Container, Node, Pod, PodAffinityTerm, Taint, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector } from '../../api/labels.ts';
import { parseQuantity } from '../../api/validation/quantity.ts';

/** Resource amounts in the scheduler's units: milli-CPU, bytes, counts. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (e.g. example.com/gpu) and hugepages, by name. */
  scalar: Record<string, number>;
}

/** A pod with what the scheduler precomputes about it once. */
export interface PodInfo {
  pod: Pod;
  /** Effective requests: max(sum of app containers, each init container) + overhead. */
  requests: Resource;
  /** Requests with upstream's non-zero defaults (100m CPU, 200 MiB) for containers that set none; used by scoring. */
  nonZeroRequests: Resource;
  /** spec.affinity.podAffinity/podAntiAffinity terms, parsed once (namespaces resolved). */
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
}

export interface AffinityTerm {
  /** Namespaces the term selects pods in (the pod's own when the term names none and has no namespaceSelector). */
  namespaces: Set<string>;
  /** Labels-to-match; the matcher is the shared LabelSelector from src/api/labels.ts. */
  selector: { matches(labels: Record<string, string> | undefined): boolean };
  /** When set, namespaces whose labels match count too. */
  namespaceSelector?: { matches(labels: Record<string, string> | undefined): boolean };
  topologyKey: string;
}
export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** hostPort in use on a node: "ip/protocol/port" (ip 0.0.0.0 for any). */
export type HostPortKey = string;

export interface ImageStateSummary {
  size: number;
  /** How many nodes have this image (for ImageLocality's spread factor). */
  numNodes: number;
}

/**
 * The figures Filter and Score read for every node they look at, copied out of `node`,
 * `pods`, `allocatable`, `requested` and `nonZeroRequested` into the NodeInfo itself. A pass
 * over hundreds of nodes is bound by memory, not arithmetic: with these it touches one object
 * per node instead of half a dozen scattered ones.
 */
export interface NodeFigures {
  /** node.metadata.name ('' while the NodeInfo has no Node). */
  readonly name: string;
  readonly podCount: number;
  readonly allowedPodNumber: number;
  readonly allocatableMilliCPU: number;
  readonly allocatableMemory: number;
  readonly allocatableEphemeralStorage: number;
  readonly requestedMilliCPU: number;
  readonly requestedMemory: number;
  readonly requestedEphemeralStorage: number;
  readonly nonZeroRequestedMilliCPU: number;
  readonly nonZeroRequestedMemory: number;
  /** node.spec.taints. */
  readonly taints: readonly Taint[] | undefined;
  /** node.spec.unschedulable (cordoned). */
  readonly unschedulable: boolean;
}

export interface NodeInfo extends NodeFigures {
  readonly node: Node;
  readonly pods: PodInfo[];
  readonly podsWithAffinity: PodInfo[];
  readonly podsWithRequiredAntiAffinity: PodInfo[];
  /** Sum of pods' requests. */
  readonly requested: Resource;
  /** Sum with the non-zero defaults, for scoring. */
  readonly nonZeroRequested: Resource;
  /** From node.status.allocatable; allowedPodNumber is the "pods" entry. */
  readonly allocatable: Resource & { allowedPodNumber: number };
  readonly usedPorts: Set<HostPortKey>;
  /** Image name (each of node.status.images[].names) → state. */
  readonly imageStates: ReadonlyMap<string, ImageStateSummary>;
  /** Bumped on every change, so snapshots copy only what changed. */
  readonly generation: number;
}

/** Upstream's defaults for containers that request no CPU or memory, so scoring never sees an "empty" pod. */
const DEFAULT_MILLI_CPU_REQUEST = 100;
const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A zero Resource. */
function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: {} };
}

/** A deep copy (scalar map included). */
function cloneResource(r: Resource): Resource {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: { ...r.scalar } };
}

/** Milli-units rounded up, as Quantity.MilliValue; tolerates float noise ("0.7" × 1000). */
function milli(q: string | number | undefined): number {
  const v = q === undefined ? undefined : parseQuantity(q);
  return v === undefined ? 0 : Math.ceil(v * 1000 - 1e-6);
}
/** Whole units rounded up, as Quantity.Value. */
function whole(q: string | number | undefined): number {
  const v = q === undefined ? undefined : parseQuantity(q);
  return v === undefined ? 0 : Math.ceil(v - 1e-9);
}

/** Reads a resource list (requests, allocatable, overhead) into scheduler units; "pods" is left out. */
function resourceFromList(list: Record<string, string | number> | undefined): Resource {
  const r = emptyResource();
  if (!list) return r;
  for (const [name, q] of Object.entries(list)) {
    switch (name) {
      case 'cpu':
        r.milliCPU = milli(q);
        break;
      case 'memory':
        r.memory = whole(q);
        break;
      case 'ephemeral-storage':
        r.ephemeralStorage = whole(q);
        break;
      case 'pods':
        break;
      default:
        r.scalar[name] = whole(q);
    }
  }
  return r;
}

function addTo(into: Resource, r: Resource, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  for (const [k, v] of Object.entries(r.scalar)) into.scalar[k] = (into.scalar[k] ?? 0) + sign * v;
}

function maxInto(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const [k, v] of Object.entries(r.scalar)) into.scalar[k] = Math.max(into.scalar[k] ?? 0, v);
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const requests = c.resources?.requests as Record<string, string> | undefined;
  const r = resourceFromList(requests);
  if (nonZero) {
    if (requests?.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

function podRequests(pod: Pod, nonZero: boolean): Resource {
  const sum = emptyResource();
  for (const c of pod.spec?.containers ?? []) addTo(sum, containerRequests(c, nonZero));
  // Sidecars (restartable init containers) keep running beside the app containers, so they add
  // to the sum; a regular init container runs alone, next to the sidecars started before it.
  const sidecars = emptyResource();
  const initPeak = emptyResource();
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addTo(sum, r);
      addTo(sidecars, r);
      maxInto(initPeak, sidecars);
    } else {
      const during = cloneResource(sidecars);
      addTo(during, r);
      maxInto(initPeak, during);
    }
  }
  maxInto(sum, initPeak);
  const overhead = pod.spec?.overhead as Record<string, string> | undefined;
  if (overhead) addTo(sum, resourceFromList(overhead));
  return sum;
}

/** Pods are never changed in place (informers hand out shared objects), so their requests are computed once. */
const requestsByPod = new WeakMap<Pod, { requests: Resource; nonZeroRequests: Resource }>();

/**
 * A pod's effective requests as upstream computes them: the larger of the app containers' sum
 * (sidecars included) and the peak of any init container, plus the pod overhead. Computed once
 * per pod object; the result is shared, and must not be changed.
 */
export function computePodRequests(pod: Pod): { requests: Resource; nonZeroRequests: Resource } {
  let computed = requestsByPod.get(pod);
  if (!computed) requestsByPod.set(pod, (computed = { requests: podRequests(pod, false), nonZeroRequests: podRequests(pod, true) }));
  return computed;
}

function affinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set<string>(t.namespaces ?? []);
  if (namespaces.size === 0 && !t.namespaceSelector) namespaces.add(pod.metadata?.namespace ?? 'default');
  return {
    namespaces,
    selector: selectorFromLabelSelector(t.labelSelector),
    namespaceSelector: t.namespaceSelector ? selectorFromLabelSelector(t.namespaceSelector) : undefined,
    topologyKey: t.topologyKey,
  };
}

function weighted(pod: Pod, terms: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (terms ?? []).map((w) => ({ ...affinityTerm(pod, w.podAffinityTerm), weight: w.weight }));
}

/** Parses what the scheduler needs from a pod once; every NodeInfo and plugin shares the result. */
export function newPodInfo(pod: Pod): PodInfo {
  const { requests, nonZeroRequests } = computePodRequests(pod);
  const a = pod.spec?.affinity;
  return {
    pod,
    requests,
    nonZeroRequests,
    requiredAffinityTerms: (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    requiredAntiAffinityTerms: (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    preferredAffinityTerms: weighted(pod, a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinityTerms: weighted(pod, a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
}

/** The hostPorts a pod claims, as "ip/protocol/port" keys (ip 0.0.0.0 when unset, protocol TCP). */
export function podHostPorts(pod: Pod): HostPortKey[] {
  const keys: HostPortKey[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      keys.push(`${p.hostIP || '0.0.0.0'}/${p.protocol || 'TCP'}/${p.hostPort}`);
    }
  }
  return keys;
}

function hasAffinity(p: PodInfo): boolean {
  return p.requiredAffinityTerms.length + p.requiredAntiAffinityTerms.length + p.preferredAffinityTerms.length + p.preferredAntiAffinityTerms.length > 0;
}

/**
 * The image states of every node without images: one shared map, so scoring hundreds of such
 * nodes reads one object rather than one per node.
 */
export const NO_IMAGES: ReadonlyMap<string, ImageStateSummary> = new Map();

let lastGeneration = 0;
/** Generations are global so one number orders every change the cache has seen. */
function nextGeneration(): number {
  return ++lastGeneration;
}

function podKey(pod: Pod): string {
  return pod.metadata?.uid || `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/**
 * The NodeInfo the scheduler cache maintains: add and remove pods, replace the Node, each
 * change keeping the sums up to date and bumping the generation. clone() is what a snapshot holds.
 */
export class MutableNodeInfo implements NodeInfo {
  // The figures first, so they share the object's first cache lines (see NodeFigures).
  name = '';
  podCount = 0;
  allowedPodNumber = 0;
  allocatableMilliCPU = 0;
  allocatableMemory = 0;
  allocatableEphemeralStorage = 0;
  requestedMilliCPU = 0;
  requestedMemory = 0;
  requestedEphemeralStorage = 0;
  nonZeroRequestedMilliCPU = 0;
  nonZeroRequestedMemory = 0;
  taints: readonly Taint[] | undefined = undefined;
  unschedulable = false;
  node: Node = {};
  /** False while pods are known for a node the informer has not delivered (or that was deleted). */
  hasNode = false;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resource = emptyResource();
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource & { allowedPodNumber: number } = { ...emptyResource(), allowedPodNumber: 0 };
  usedPorts = new Set<HostPortKey>();
  imageStates: ReadonlyMap<string, ImageStateSummary> = NO_IMAGES;
  generation = nextGeneration();
  /** Port key → number of pods using it, so removing one of two claimants keeps the port used. */
  private portCounts = new Map<HostPortKey, number>();

  /** Replaces the Node object (allocatable recomputed); image states are the cache's to set. */
  setNode(node: Node): void {
    this.node = node;
    this.hasNode = true;
    const alloc = node.status?.allocatable as Record<string, string> | undefined;
    this.allocatable = { ...resourceFromList(alloc), allowedPodNumber: alloc?.pods === undefined ? 0 : whole(alloc.pods) };
    this.syncFigures();
    this.generation = nextGeneration();
  }

  /** Forgets the Node object while pods remain (upstream keeps such a NodeInfo until its pods go). */
  removeNode(): void {
    this.node = {};
    this.hasNode = false;
    this.syncFigures();
    this.generation = nextGeneration();
  }

  addPod(pod: Pod | PodInfo): void {
    const info = 'pod' in pod && 'requests' in pod ? (pod as PodInfo) : newPodInfo(pod as Pod);
    this.pods.push(info);
    if (hasAffinity(info)) this.podsWithAffinity.push(info);
    if (info.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(info);
    addTo(this.requested, info.requests);
    addTo(this.nonZeroRequested, info.nonZeroRequests);
    for (const k of podHostPorts(info.pod)) {
      this.portCounts.set(k, (this.portCounts.get(k) ?? 0) + 1);
      this.usedPorts.add(k);
    }
    this.syncFigures();
    this.generation = nextGeneration();
  }

  /** Removes the pod with the same uid (or namespace/name); false when it was not here. */
  removePod(pod: Pod): boolean {
    const key = podKey(pod);
    const i = this.pods.findIndex((p) => podKey(p.pod) === key);
    if (i < 0) return false;
    const [info] = this.pods.splice(i, 1);
    const drop = (list: PodInfo[]) => {
      const j = list.indexOf(info);
      if (j >= 0) list.splice(j, 1);
    };
    drop(this.podsWithAffinity);
    drop(this.podsWithRequiredAntiAffinity);
    addTo(this.requested, info.requests, -1);
    addTo(this.nonZeroRequested, info.nonZeroRequests, -1);
    for (const k of podHostPorts(info.pod)) {
      const n = (this.portCounts.get(k) ?? 1) - 1;
      if (n > 0) this.portCounts.set(k, n);
      else {
        this.portCounts.delete(k);
        this.usedPorts.delete(k);
      }
    }
    this.syncFigures();
    this.generation = nextGeneration();
    return true;
  }

  /**
   * A copy whose later changes do not show in this one (PodInfos are shared: they are
   * immutable). With `into`, that object is overwritten instead, so whoever holds it (a
   * snapshot's lists) sees the new state without being rebuilt.
   */
  clone(into: MutableNodeInfo = new MutableNodeInfo()): MutableNodeInfo {
    into.node = this.node;
    into.hasNode = this.hasNode;
    into.pods = this.pods.slice();
    into.podsWithAffinity = this.podsWithAffinity.slice();
    into.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    into.requested = cloneResource(this.requested);
    into.nonZeroRequested = cloneResource(this.nonZeroRequested);
    into.allocatable = this.allocatable;
    into.usedPorts = new Set(this.usedPorts);
    into.portCounts = new Map(this.portCounts);
    into.imageStates = this.imageStates;
    into.generation = this.generation;
    into.syncFigures();
    return into;
  }

  /** Copies the figures out of the objects they summarise (see NodeFigures). */
  private syncFigures(): void {
    const { allocatable, requested, nonZeroRequested } = this;
    this.name = this.node.metadata?.name ?? '';
    this.podCount = this.pods.length;
    this.allowedPodNumber = allocatable.allowedPodNumber;
    this.allocatableMilliCPU = allocatable.milliCPU;
    this.allocatableMemory = allocatable.memory;
    this.allocatableEphemeralStorage = allocatable.ephemeralStorage;
    this.requestedMilliCPU = requested.milliCPU;
    this.requestedMemory = requested.memory;
    this.requestedEphemeralStorage = requested.ephemeralStorage;
    this.nonZeroRequestedMilliCPU = nonZeroRequested.milliCPU;
    this.nonZeroRequestedMemory = nonZeroRequested.memory;
    this.taints = this.node.spec?.taints;
    this.unschedulable = !!this.node.spec?.unschedulable;
  }
}

/** A NodeInfo for a node and the pods on it; what tests and preemption's what-ifs build. */
export function newNodeInfo(node?: Node, pods: Pod[] = []): MutableNodeInfo {
  const info = new MutableNodeInfo();
  if (node) {
    info.setNode(node);
    const images = new Map<string, ImageStateSummary>();
    for (const img of node.status?.images ?? []) {
      for (const name of img.names ?? []) images.set(name, { size: img.sizeBytes ?? 0, numNodes: 1 });
    }
    if (images.size > 0) info.imageStates = images;
  }
  for (const p of pods) info.addPod(p);
  return info;
}
