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
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NAMES } from './names.ts';
import { allocatableOf, amountOf, DEFAULT_RESOURCES, nonZeroRequestedOf, scoredResources, type ResourceSpec, type ScoredResource } from './resource-allocation.ts';

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

/**
 * Every reason `requests` do not fit `nodeInfo`, in upstream's order: pod count, cpu, memory,
 * ephemeral-storage, then extended resources. Filter asks only once its allocation-free check
 * has failed, so this path may build the list.
 */
export function fitsRequest(requests: Resource, nodeInfo: NodeInfo, ignored?: (name: string) => boolean): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  if (nodeInfo.pods.length + 1 > nodeInfo.allocatable.allowedPodNumber) out.push({ resourceName: 'pods', reason: 'Too many pods', unresolvable: false });
  checkResource(out, 'cpu', requests, nodeInfo);
  checkResource(out, 'memory', requests, nodeInfo);
  checkResource(out, 'ephemeral-storage', requests, nodeInfo);
  for (const name in requests.scalar) if (!ignored?.(name)) checkResource(out, name, requests, nodeInfo);
  return out;
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
  return scoreResolved(nodeInfo, scoredResources(podRequests, resources), perResource);
}

/**
 * Scores with the pod placed on the node, from resources resolved once per pod (the same
 * figure as {@link resourceScore}, without per-node name lookups).
 */
function scoreResolved(nodeInfo: NodeInfo, resources: ScoredResource[], perResource: (req: number, cap: number) => number): number {
  let sum = 0;
  let weights = 0;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i];
    const allocatable = allocatableOf(nodeInfo, r);
    if (allocatable === 0) continue;
    sum += perResource(nonZeroRequestedOf(nodeInfo, r) + r.podAmount, allocatable) * r.weight;
    weights += r.weight;
  }
  return weights === 0 ? 0 : Math.trunc(sum / weights);
}

/** What Filter needs of the pod, computed once per cycle: its requests and the extended ones that count. */
interface PreFilterState {
  requests: Resource;
  /** Extended resources asked for and not ignored, as [name, amount]. */
  scalars: [string, number][];
}

function preFilterState(pod: Pod, ignored: (name: string) => boolean): PreFilterState {
  const requests = computePodRequests(pod).requests;
  const scalars: [string, number][] = [];
  for (const name in requests.scalar) if (requests.scalar[name] !== 0 && !ignored(name)) scalars.push([name, requests.scalar[name]]);
  return { requests, scalars };
}

/** Room for one more pod and all it asks for: the common case, decided from the node's figures without allocating. */
function fitsAll(s: PreFilterState, nodeInfo: NodeInfo): boolean {
  const q = s.requests;
  if (
    nodeInfo.podCount + 1 > nodeInfo.allowedPodNumber ||
    q.milliCPU > nodeInfo.allocatableMilliCPU - nodeInfo.requestedMilliCPU ||
    q.memory > nodeInfo.allocatableMemory - nodeInfo.requestedMemory ||
    q.ephemeralStorage > nodeInfo.allocatableEphemeralStorage - nodeInfo.requestedEphemeralStorage
  ) {
    return false;
  }
  for (let i = 0; i < s.scalars.length; i++) {
    const [name, want] = s.scalars[i];
    if (want > (nodeInfo.allocatable.scalar[name] ?? 0) - (nodeInfo.requested.scalar[name] ?? 0)) return false;
  }
  return true;
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
      state.write(PRE_FILTER_KEY, preFilterState(pod, ignored));
      return { status: SUCCESS };
    },
    filter(state: CycleState, pod, nodeInfo): Status {
      const pre = state.read<PreFilterState>(PRE_FILTER_KEY) ?? preFilterState(pod, ignored);
      if (fitsAll(pre, nodeInfo)) return SUCCESS;
      const short = fitsRequest(pre.requests, nodeInfo, ignored);
      if (short.length === 0) return SUCCESS;
      const code = short.some((r) => r.unresolvable) ? 'UnschedulableAndUnresolvable' : 'Unschedulable';
      return status(code, ...short.map((r) => r.reason));
    },
    preScore(state, pod) {
      state.write(PRE_SCORE_KEY, scoredResources(computePodRequests(pod).nonZeroRequests, resources));
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const scored = state.read<ScoredResource[]>(PRE_SCORE_KEY) ?? scoredResources(computePodRequests(pod).nonZeroRequests, resources);
      return scoreResolved(nodeInfo, scored, perResource);
    },
  };
  return plugin;
};
