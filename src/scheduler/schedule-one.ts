/**
 * One scheduling attempt, as upstream's scheduleOne: the scheduling cycle (PreFilter, Filter
 * over enough nodes, PreScore, Score, pick the best node, assume it in the cache, Reserve,
 * Permit) runs one pod at a time against the snapshot; the binding cycle (PreBind, Bind)
 * then runs in the background, many at once, and undoes the assumption if it fails. A pod that
 * fits nowhere gets PostFilter (preemption), a PodScheduled=False condition and a
 * FailedScheduling event, and goes back to the queue.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { sleep, type Clock } from '../client/clock.ts';
import type { EventType } from '../client/event-recorder.ts';
import type { KubeObject, RestClient } from '../client/rest-client.ts';
import { findResource } from '../api/catalogue.ts';
import { formatTime } from '../api/time.ts';
import type { SchedulerCache } from './cache.ts';
import { DEFAULT_SCHEDULER_NAME } from './config.ts';
import type { Framework } from './framework/framework.ts';
import { CycleState, isRejected, isSuccess, status as newStatus, type NodeToStatus, type Status } from './framework/interface.ts';
import type { MutableNodeInfo } from './framework/node-info.ts';
import type { QueuedPodInfo, SchedulingQueue } from './queue.ts';
import type { Snapshot } from './snapshot.ts';

/** Below this many nodes every node is filtered. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Never fewer than this percentage of nodes, however large the cluster. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** The adaptive percentage starts here and falls by 1 per 125 nodes. */
const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * How many feasible nodes Filter looks for before it stops, as upstream: all of them in
 * small clusters, else `percentage` of the nodes (adaptive when 0 or unset), at least 100.
 */
export function numFeasibleNodesToFind(percentage: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || (percentage ?? 0) >= 100) return numAllNodes;
  let adaptive = percentage ?? 0;
  if (adaptive <= 0) {
    adaptive = BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(numAllNodes / 125);
    if (adaptive < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) adaptive = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.floor((numAllNodes * adaptive) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** Why a pod fits nowhere: each rejected node's status, and the plugins that rejected. */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  unschedulablePlugins: Set<string>;
  /** Set when PreFilter rejected the pod outright (every node then carries the same status). */
  preFilterMsg?: string;
  /** PostFilter's (preemption's) account of why it could not help. */
  postFilterMsg?: string;
}

/**
 * The FailedScheduling message, worded as upstream: "0/3 nodes are available: 1 Insufficient
 * cpu, 2 node(s) didn't match Pod's node affinity/selector." — each reason with how many nodes
 * gave it, the "count reason" strings sorted, then PostFilter's message when it ran.
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const parts = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}

/**
 * Picks the node with the highest total; ties are broken uniformly at random, with one draw
 * per pod rather than upstream's draw per tie (reservoir sampling): on a cluster of alike
 * nodes most of the hundreds of nodes scored tie.
 */
export function selectHost(nodes: MutableNodeInfo[], totals: number[], random: () => number): MutableNodeInfo {
  let best = totals[0];
  let ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    if (totals[i] > best) {
      best = totals[i];
      ties = 1;
    } else if (totals[i] === best) {
      ties++;
    }
  }
  // Draws are mirrored (pick = ties − 1 − ⌊draw × ties⌋) so that a draw near 1 means the first.
  let pick = ties - 1 - Math.min(Math.floor(random() * ties), ties - 1);
  for (let i = 0; i < nodes.length; i++) {
    if (totals[i] === best && pick-- === 0) return nodes[i];
  }
  return nodes[0];
}

/** What a scheduling cycle decided. */
export type ScheduleResult =
  | { kind: 'scheduled'; host: string; evaluatedNodes: number; feasibleNodes: number }
  | { kind: 'unschedulable'; numAllNodes: number; diagnosis: Diagnosis }
  | { kind: 'error'; status: Status };

/** What the cycle needs of the API: the status subresource. Binding is DefaultBinder's. */
export type PodStatusClient = Pick<RestClient, 'patchStatus'>;

export interface EventSink {
  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface ScheduleOneOptions {
  queue: SchedulingQueue;
  cache: SchedulerCache;
  snapshot: Snapshot;
  /** Framework by scheduler name. */
  profiles: Map<string, Framework>;
  client: PodStatusClient;
  recorder: EventSink;
  /** The pod as the informer knows it now; undefined once deleted. */
  currentPod: (pod: Pod) => Pod | undefined;
  clock: Clock;
  /** The configuration-wide default; a profile's own setting wins. */
  percentageOfNodesToScore?: number;
  /** Binding cycles running at once before the scheduling loop waits. Default DEFAULT_MAX_BINDINGS_IN_FLIGHT. */
  maxBindingsInFlight?: number;
  random?: () => number;
  log?: (line: string) => void;
}

const pods = findResource('', 'v1', 'pods')!;

/**
 * Binding cycles at once before the scheduling loop waits for one to end. A binding waits for its
 * write to be on disk and for the API server's turn, so on a busy one-thread control plane a
 * binding takes 100–200 ms, and this many in flight is what bounds the binding rate: with a backlog
 * of 5,000 pods on 1,000 hollow nodes, 64 bound 500–670 pods/s, 128 about 900, 256 about 1,300.
 * More is slower again (720 at 512): each binding holds a connection, and past the client's pool of
 * kept-alive connections (256, http1-client.ts) every exchange opens and closes one.
 */
export const DEFAULT_MAX_BINDINGS_IN_FLIGHT = 256;

export class ScheduleOne {
  private readonly o: ScheduleOneOptions;
  private readonly random: () => number;
  private readonly log: (line: string) => void;
  private readonly maxBindings: number;
  private nextStartNodeIndex = 0;
  private readonly bindings = new Set<Promise<void>>();
  /** Wakes the scheduling loop waiting for a free binding slot (one waiter, not a race over every binding). */
  private bindingSlotFreed: (() => void) | undefined;
  /** Event and status writes not yet answered; stopping waits for them so none is cut off mid-request. */
  private readonly writes = new Set<Promise<unknown>>();

  constructor(options: ScheduleOneOptions) {
    this.o = options;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => {});
    this.maxBindings = options.maxBindingsInFlight ?? DEFAULT_MAX_BINDINGS_IN_FLIGHT;
  }

  /** Schedules pods until the queue closes, then waits for the bindings and event writes in flight. */
  async run(): Promise<void> {
    while (await this.scheduleOne());
    await this.drain();
  }

  /** Resolves once every binding cycle started so far has finished. */
  async drain(): Promise<void> {
    while (this.bindings.size) await Promise.all(this.bindings);
    await Promise.all(this.writes);
  }

  /** Takes one pod off the queue and tries it; false once the queue is closed. */
  async scheduleOne(): Promise<boolean> {
    while (this.bindings.size >= this.maxBindings) await new Promise<void>((resolve) => (this.bindingSlotFreed = resolve));
    const queued = await this.o.queue.pop();
    if (!queued) return false;
    const cycle = this.o.queue.schedulingCycle();
    const pod = queued.podInfo.pod;
    const fwk = this.o.profiles.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
    const current = this.o.currentPod(pod);
    if (!fwk || !current || current.metadata?.deletionTimestamp || current.spec?.nodeName || this.o.cache.isAssumedPod(pod)) {
      this.o.queue.done(pod);
      return true;
    }
    const state = new CycleState();
    this.o.cache.updateSnapshot(this.o.snapshot);
    const result = this.schedulePod(fwk, state, pod);
    if (result.kind === 'error') {
      this.handleFailure(fwk, queued, cycle, result.status, result.status.reasons.join(', '));
      return true;
    }
    if (result.kind === 'unschedulable') {
      let nominatedNodeName: string | undefined;
      if (fwk.postFilterPlugins.length > 0) {
        const post = await fwk.runPostFilterPlugins(state, pod, result.diagnosis.nodeToStatus);
        if (!isSuccess(post.status)) result.diagnosis.postFilterMsg = post.status.reasons.join(', ');
        nominatedNodeName = post.result?.nominatedNodeName;
      }
      const message = fitErrorMessage(result.numAllNodes, result.diagnosis);
      const s: Status = { code: 'Unschedulable', reasons: [message] };
      this.handleFailure(fwk, { ...queued, unschedulablePlugins: result.diagnosis.unschedulablePlugins }, cycle, s, message, nominatedNodeName);
      return true;
    }
    this.assumeAndBind(fwk, state, queued, cycle, result.host);
    return true;
  }

  /** The scheduling cycle up to picking a node; pure apart from the round-robin start index. */
  schedulePod(fwk: Framework, state: CycleState, pod: Pod): ScheduleResult {
    const all = this.o.snapshot.list();
    if (all.length === 0) return { kind: 'error', status: newStatus('Error', NO_NODES_AVAILABLE) };
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    const pre = fwk.runPreFilterPlugins(state, pod, all);
    if (!isSuccess(pre.status)) {
      if (!isRejected(pre.status)) return { kind: 'error', status: pre.status };
      for (const n of all) diagnosis.nodeToStatus.set(n.name, pre.status);
      diagnosis.preFilterMsg = pre.status.reasons.join(', ');
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { kind: 'unschedulable', numAllNodes: all.length, diagnosis };
    }
    let nodes = all;
    const names = pre.result?.nodeNames;
    if (names) {
      nodes = [];
      for (const name of names) {
        const n = this.o.snapshot.get(name);
        if (n) nodes.push(n);
      }
      const absent = newStatus('UnschedulableAndUnresolvable', `node(s) didn't satisfy plugin(s) [${[...pre.narrowedBy].sort().join(' ')}]`);
      for (const n of all) if (!names.has(n.name)) diagnosis.nodeToStatus.set(n.name, absent);
    }
    // A node preemption made room on is most likely the one that fits: try it first.
    const nominated = pod.status?.nominatedNodeName;
    const nominatedInfo = nominated && (!names || names.has(nominated)) ? this.o.snapshot.get(nominated) : undefined;
    if (nominatedInfo && isSuccess(fwk.runFilterPluginsWithNominatedPods(state, pod, nominatedInfo))) {
      return { kind: 'scheduled', host: nominated!, evaluatedNodes: 1, feasibleNodes: 1 };
    }
    const want = numFeasibleNodesToFind(fwk.percentageOfNodesToScore ?? this.o.percentageOfNodesToScore, nodes.length);
    const n = nodes.length;
    // Sized up front: grown by push, the list of some hundreds of nodes was reallocated
    // seven times per pod.
    const feasible: MutableNodeInfo[] = new Array(Math.min(want, n));
    let found = 0;
    const start = names ? 0 : this.nextStartNodeIndex % Math.max(n, 1);
    let processed = 0;
    // Nominations are rare; without any, the per-node nominated-pods lookup is skipped.
    const anyNominated = !this.o.queue.nominator.empty;
    for (; processed < n && found < want; processed++) {
      const info = nodes[(start + processed) % n];
      const s = anyNominated ? fwk.runFilterPluginsWithNominatedPods(state, pod, info) : fwk.runFilterPlugins(state, pod, info);
      if (isSuccess(s)) {
        feasible[found++] = info;
      } else if (isRejected(s)) {
        diagnosis.nodeToStatus.set(info.name, s);
        if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
      } else {
        return { kind: 'error', status: s };
      }
    }
    if (!names) this.nextStartNodeIndex = (start + processed) % n;
    feasible.length = found;
    if (feasible.length === 0) return { kind: 'unschedulable', numAllNodes: all.length, diagnosis };
    if (feasible.length === 1) return { kind: 'scheduled', host: feasible[0].name, evaluatedNodes: 1 + diagnosis.nodeToStatus.size, feasibleNodes: 1 };
    const preScore = fwk.runPreScorePlugins(state, pod, feasible);
    if (!isSuccess(preScore)) return { kind: 'error', status: preScore };
    const { totals, status } = fwk.runScorePlugins(state, pod, feasible);
    if (!isSuccess(status)) return { kind: 'error', status };
    const host = selectHost(feasible, totals, this.random).name;
    return { kind: 'scheduled', host, evaluatedNodes: feasible.length + diagnosis.nodeToStatus.size, feasibleNodes: feasible.length };
  }

  /** Assume, Reserve and Permit now; the binding cycle in the background. */
  private assumeAndBind(fwk: Framework, state: CycleState, queued: QueuedPodInfo, cycle: number, host: string): void {
    const pod = queued.podInfo.pod;
    const assumed: Pod = { ...pod, spec: { ...pod.spec!, nodeName: host } };
    this.o.cache.assumePod({ ...queued.podInfo, pod: assumed });
    this.o.queue.nominator.delete(pod);
    const reserve = fwk.runReservePluginsReserve(state, assumed, host);
    if (!isSuccess(reserve)) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      this.o.cache.forgetPod(assumed);
      this.handleFailure(fwk, queued, cycle, reserve, reserve.reasons.join(', '));
      return;
    }
    const permit = fwk.runPermitPlugins(state, assumed, host);
    if (!isSuccess(permit.status) && permit.status.code !== 'Wait') {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      this.o.cache.forgetPod(assumed);
      this.handleFailure(fwk, queued, cycle, permit.status, permit.status.reasons.join(', '));
      return;
    }
    const binding = this.bindingCycle(fwk, state, queued, cycle, assumed, host, permit.status.code === 'Wait' ? permit : undefined).catch((err) =>
      this.log(`scheduler: binding cycle of ${pod.metadata?.namespace}/${pod.metadata?.name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`),
    );
    this.bindings.add(binding);
    void binding.finally(() => {
      this.bindings.delete(binding);
      const wake = this.bindingSlotFreed;
      this.bindingSlotFreed = undefined;
      wake?.();
    });
  }

  private async bindingCycle(
    fwk: Framework,
    state: CycleState,
    queued: QueuedPodInfo,
    cycle: number,
    assumed: Pod,
    host: string,
    wait?: { status: Status; waitMs: number },
  ): Promise<void> {
    let s: Status;
    if (wait) {
      await sleep(this.o.clock, wait.waitMs);
      s = { code: 'Unschedulable', reasons: [`rejected due to timeout after waiting ${wait.waitMs}ms at plugin ${wait.status.plugin}`], plugin: wait.status.plugin };
    } else {
      s = await fwk.runPreBindPlugins(state, assumed, host);
      if (isSuccess(s)) s = await fwk.runBindPlugins(state, assumed, host);
    }
    const pod = queued.podInfo.pod;
    if (isSuccess(s)) {
      this.o.cache.finishBinding(assumed);
      this.o.queue.done(pod);
      this.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata?.namespace}/${pod.metadata?.name} to ${host}`);
      return;
    }
    fwk.runReservePluginsUnreserve(state, assumed, host);
    this.o.cache.forgetPod(assumed);
    // The room the assumed pod held is free again: pods waiting for room may fit now.
    this.o.queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' });
    const plugins = isRejected(s) && s.plugin ? new Set([s.plugin]) : new Set<string>();
    this.handleFailure(fwk, { ...queued, unschedulablePlugins: plugins }, cycle, s, s.reasons.join(', '));
  }

  private record(pod: Pod, type: EventType, reason: string, message: string): void {
    this.track(this.o.recorder.event(pod, type, reason, message));
  }

  /** Writes are not awaited by the scheduling loop: the next pod need not wait for the API. */
  private track(write: Promise<unknown>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /**
   * Requeues the pod and tells its owner why: a FailedScheduling event, and the PodScheduled
   * condition (plus status.nominatedNodeName from preemption) written when it changed. A pod
   * deleted or bound meanwhile is left alone.
   */
  private handleFailure(fwk: Framework, queued: QueuedPodInfo, cycle: number, s: Status, message: string, nominatedNodeName?: string): void {
    const pod = queued.podInfo.pod;
    const current = this.o.currentPod(pod);
    if (!current || current.spec?.nodeName || current.metadata?.uid !== pod.metadata?.uid) {
      this.o.queue.done(pod);
      return;
    }
    this.o.queue.addUnschedulableIfNotPresent(queued, cycle);
    if (nominatedNodeName !== undefined) this.o.queue.nominator.add(current, nominatedNodeName);
    const reason = isRejected(s) ? 'Unschedulable' : 'SchedulerError';
    this.record(current, 'Warning', 'FailedScheduling', message);
    const old = current.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nominatedChanged = nominatedNodeName !== undefined && nominatedNodeName !== (current.status?.nominatedNodeName ?? '');
    if (!nominatedChanged && old?.status === 'False' && old.reason === reason && old.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : formatTime(new Date(this.o.clock.now())),
    };
    const patch = { status: { conditions: [condition], ...(nominatedChanged ? { nominatedNodeName } : {}) } };
    const { namespace, name } = current.metadata!;
    this.track(
      this.o.client.patchStatus(pods, namespace, name!, patch, 'strategic', { fieldManager: fwk.profileName }).catch((err) => {
        this.log(`scheduler: cannot update the status of pod ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      }),
    );
  }
}
