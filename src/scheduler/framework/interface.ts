/**
 * The scheduling framework's contract: one interface per extension point, the Status every
 * plugin returns, and the per-cycle state they share. A plugin is a small object with a name
 * that implements one or more extension points; the framework (framework.ts) runs them in the
 * order the profile lists. Expected outcomes ("does not fit") are Status values; exceptions are
 * bugs and become Error statuses.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from './node-info.ts';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { RestClient } from '../../client/rest-client.ts';

/** How a plugin's verdict reads; the names are upstream's. */
export type Code =
  | 'Success'
  /** Does not fit here, but preemption (or a cluster change) could help. */
  | 'Unschedulable'
  /** Does not fit here and preempting pods on this node would not help. */
  | 'UnschedulableAndUnresolvable'
  | 'Error'
  /** PreFilter/PreScore: nothing for this plugin to do for this pod; its Filter/Score is skipped. */
  | 'Skip'
  /** Permit: hold the pod until allowed or timed out. */
  | 'Wait';

export interface Status {
  code: Code;
  /** Human reasons, as upstream words them: "Insufficient cpu", "node(s) didn't match Pod's node affinity/selector". */
  reasons: string[];
  /** The plugin that produced this status (set by the framework). */
  plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;
export function status(code: Code, ...reasons: string[]): Status {
  return { code, reasons };
}
export function isSuccess(s: Status | undefined): boolean {
  return !s || s.code === 'Success';
}
export function isRejected(s: Status | undefined): boolean {
  return !!s && (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable');
}

/**
 * Data one scheduling cycle shares between a plugin's extension points (PreFilter computes,
 * Filter reads). Keys are the plugin's own; clone() must be cheap for preemption's what-ifs, so
 * values that Filter may change (AddPod/RemovePod) implement `clone()`.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) {
      const c = v as { clone?: () => unknown } | null;
      copy.data.set(k, c && typeof c.clone === 'function' ? c.clone() : v);
    }
    return copy;
  }
}

/** What a cluster change looks like to the queue: which unschedulable pods it might help. */
export type ClusterEventResource = 'Pod' | 'Node' | 'PersistentVolumeClaim' | 'Service' | 'PriorityClass';
export type ActionType = 'Add' | 'Delete' | 'UpdateNodeAllocatable' | 'UpdateNodeLabel' | 'UpdateNodeTaint' | 'UpdateNodeCondition' | 'UpdatePodLabel' | 'Update' | 'All';
export interface ClusterEvent {
  resource: ClusterEventResource;
  action: ActionType;
}

/** Read-only view of the cluster a cycle schedules against (the cache's snapshot). */
export interface SharedLister {
  /** Every node, in a stable order. */
  list(): NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes that run at least one pod with (anti-)affinity terms. */
  havePodsWithAffinity(): NodeInfo[];
  havePodsWithRequiredAntiAffinity(): NodeInfo[];
}

/** What plugins may reach beyond their arguments. */
export interface Handle {
  snapshot(): SharedLister;
  /** Pods nominated to run on a node (preemptors waiting for victims to leave). */
  nominatedPodsForNode(nodeName: string): Pod[];
  /** Runs every Filter plugin of the profile (used by preemption's what-ifs). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Runs PreFilter's AddPod/RemovePod extensions so cycle state reflects a what-if. */
  runPreFilterAddPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status;
  runPreFilterRemovePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status;
  /** The API client plugins write through (DefaultBinder binds, DefaultPreemption deletes victims); set by the scheduler. */
  client?: Pick<RestClient, 'bind' | 'delete' | 'patchStatus'>;
  /** PodDisruptionBudgets the scheduler watches, for preemption to respect; absent: none are known. */
  podDisruptionBudgets?(): PodDisruptionBudget[];
  /** A namespace's labels, for affinity terms with a namespaceSelector; absent: such selectors match only when empty. */
  namespaceLabels?(namespace: string): Record<string, string> | undefined;
}

export interface Plugin {
  readonly name: string;
  /** Cluster events that can make a pod this plugin rejected schedulable. */
  eventsToRegister?(): ClusterEvent[];
}

export interface PreFilterResult {
  /** When set, only these nodes are worth filtering (NodeName, NodeAffinity with a name match). */
  nodeNames?: Set<string>;
}
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status };
  /** Incremental updates of this plugin's cycle state for preemption's what-ifs. */
  addPod?(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status;
  removePod?(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status;
}
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}
/** Node name → the status that rejected it. */
export type NodeToStatus = Map<string, Status>;
export interface PostFilterResult {
  nominatedNodeName?: string;
}
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }>;
}
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status;
}
export interface NodeScore {
  name: string;
  score: number;
}
/** Scores are 0..MAX_NODE_SCORE after normalisation; the framework multiplies by the weight. */
export const MAX_NODE_SCORE = 100;
export interface ScorePlugin extends Plugin {
  /**
   * The node's raw score, an integer as upstream's int64; a Status only when scoring failed.
   * (Not a {score, status} pair: Score runs for hundreds of nodes per pod and plugin, and a
   * pair each was most of the scheduler's garbage. Non-integer numbers would be boxed too.)
   */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status;
  /** Maps raw scores onto 0..MAX_NODE_SCORE in place. */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
}
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs?: number };
}
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

/** Plugin constructors receive the handle and their args from the configuration file. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: Handle) => Plugin;

export type { Node, Pod };
