/**
 * NodeResourcesFit: a pod fits a node when the node has room for one more pod and for the
 * pod's requests (cpu, memory, ephemeral-storage, extended resources) on top of what the pods
 * already there request. Scoring prefers nodes by the configured strategy: LeastAllocated
 * (spread, the default) or MostAllocated (pack).
 */
import {
  MAX_NODE_SCORE,
  status,
  SUCCESS,
  type CycleState,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../framework/interface.ts';
import { computePodRequests, type NodeInfo, type Resource } from '../framework/node-info.ts';
import { NAMES } from './names.ts';
import { amountOf, DEFAULT_RESOURCES, requestedWithPod, skipsResource, type ResourceSpec } from './resource-allocation.ts';

/** One shortfall of a node for a pod. */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  /** Preemption cannot help: the pod asks for more than the whole node has. */
  unresolvable: boolean;
}

/** Plugin args, as upstream's NodeResourcesFitArgs. */
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  /** Prefixes ("example.com") of extended resources to ignore. */
  ignoredResourceGroups?: string[];
  scoringStrategy?: { type?: 'LeastAllocated' | 'MostAllocated'; resources?: ResourceSpec[] };
}

/** Appends the shortfall of resource `name`, if any (a plain function: Filter runs per node). */
function checkResource(out: InsufficientResource[], name: string, requests: Resource, nodeInfo: NodeInfo): void {
  const want = amountOf(requests, name);
  if (want === 0) return;
  const allocatable = amountOf(nodeInfo.allocatable, name);
  if (want > allocatable - amountOf(nodeInfo.requested, name)) out.push({ resourceName: name, reason: `Insufficient ${name}`, unresolvable: want > allocatable });
}

const NO_SHORTFALL: readonly InsufficientResource[] = Object.freeze([]);

/**
 * Every reason `requests` do not fit `nodeInfo`, in upstream's order: pod count, cpu, memory,
 * ephemeral-storage, then extended resources.
 */
export function fitsRequest(requests: Resource, nodeInfo: NodeInfo, ignored?: (name: string) => boolean): readonly InsufficientResource[] {
  const tooMany = nodeInfo.pods.length + 1 > nodeInfo.allocatable.allowedPodNumber;
  const { allocatable, requested } = nodeInfo;
  // The common case, decided without allocating: room for everything asked.
  if (
    !tooMany &&
    requests.milliCPU <= allocatable.milliCPU - requested.milliCPU &&
    requests.memory <= allocatable.memory - requested.memory &&
    requests.ephemeralStorage <= allocatable.ephemeralStorage - requested.ephemeralStorage &&
    scalarsFit(requests, nodeInfo, ignored)
  ) {
    return NO_SHORTFALL;
  }
  const out: InsufficientResource[] = [];
  if (tooMany) out.push({ resourceName: 'pods', reason: 'Too many pods', unresolvable: false });
  checkResource(out, 'cpu', requests, nodeInfo);
  checkResource(out, 'memory', requests, nodeInfo);
  checkResource(out, 'ephemeral-storage', requests, nodeInfo);
  for (const name in requests.scalar) if (!ignored?.(name)) checkResource(out, name, requests, nodeInfo);
  return out;
}

function scalarsFit(requests: Resource, nodeInfo: NodeInfo, ignored?: (name: string) => boolean): boolean {
  for (const name in requests.scalar) {
    const want = requests.scalar[name];
    if (want === 0 || ignored?.(name)) continue;
    if (want > (nodeInfo.allocatable.scalar[name] ?? 0) - (nodeInfo.requested.scalar[name] ?? 0)) return false;
  }
  return true;
}

/** Upstream's leastRequestedScore: the share left free, 0 when over capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** Upstream's mostRequestedScore: the share in use, capped at full. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

/**
 * The weighted mean of per-resource scores with the pod placed on the node (requests with the
 * non-zero defaults), skipping resources the node has none of and extended resources the pod
 * does not ask for.
 */
export function resourceScore(nodeInfo: NodeInfo, podRequests: Resource, resources: ResourceSpec[], perResource: (req: number, cap: number) => number): number {
  let sum = 0;
  let weights = 0;
  for (const r of resources) {
    const allocatable = amountOf(nodeInfo.allocatable, r.name);
    if (allocatable === 0 || skipsResource(podRequests, r.name)) continue;
    sum += perResource(requestedWithPod(nodeInfo, podRequests, r.name, false), allocatable) * r.weight;
    weights += r.weight;
  }
  return weights === 0 ? 0 : Math.trunc(sum / weights);
}

const PRE_FILTER_KEY = 'PreFilter' + NAMES.NodeResourcesFit;
const PRE_SCORE_KEY = 'PreScore' + NAMES.NodeResourcesFit;

export const newNodeResourcesFit: PluginFactory = (rawArgs) => {
  const args = (rawArgs ?? {}) as NodeResourcesFitArgs;
  const ignoredSet = new Set(args.ignoredResources ?? []);
  const groups = args.ignoredResourceGroups ?? [];
  const ignored = (name: string) => ignoredSet.has(name) || groups.some((g) => name.startsWith(g + '/'));
  const resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
  const perResource = args.scoringStrategy?.type === 'MostAllocated' ? mostRequestedScore : leastRequestedScore;

  const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin = {
    name: NAMES.NodeResourcesFit,
    eventsToRegister: () => [
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeAllocatable' },
    ],
    preFilter(state, pod) {
      state.write(PRE_FILTER_KEY, computePodRequests(pod).requests);
      return { status: SUCCESS };
    },
    filter(state: CycleState, pod, nodeInfo): Status {
      const requests = state.read<Resource>(PRE_FILTER_KEY) ?? computePodRequests(pod).requests;
      const short = fitsRequest(requests, nodeInfo, ignored);
      if (short.length === 0) return SUCCESS;
      const code = short.some((r) => r.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
      return status(code, ...short.map((r) => r.reason));
    },
    preScore(state, pod) {
      state.write(PRE_SCORE_KEY, computePodRequests(pod).nonZeroRequests);
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const requests = state.read<Resource>(PRE_SCORE_KEY) ?? computePodRequests(pod).nonZeroRequests;
      return { score: resourceScore(nodeInfo, requests, resources, perResource), status: SUCCESS };
    },
  };
  return plugin;
};
