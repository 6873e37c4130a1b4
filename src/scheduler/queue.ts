/**
 * The scheduling queue, as upstream's PriorityQueue:
 * - activeQ: pods ready to be tried, highest priority first, then the longest waiting;
 * - backoffQ: pods that failed recently, each waiting out its own exponential backoff
 *   (1 s doubling per attempt up to 10 s by default);
 * - unschedulable pods: they wait until a cluster event one of the plugins that rejected them
 *   registered (a node added, a pod deleted, ...) might help, or 5 minutes pass.
 * An event that could have helped a pod while it was being tried sends that pod to backoffQ
 * rather than unschedulable, so the change its attempt may have missed is not lost. No I/O: time comes from the
 * injected clock, and `run()` drives the periodic flushes with it.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/clock.ts';
import { keyOf } from '../client/store.ts';
import type { ClusterEvent } from './framework/interface.ts';
import { newPodInfo, type PodInfo } from './framework/node-info.ts';
import { KeyedHeap } from './heap.ts';
import { Nominator } from './nominator.ts';

/** A pod waiting in the queue, with its history of attempts. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When it last entered the queue or was last tried: orders activeQ and starts its backoff. */
  timestamp: number;
  /** When it was first tried (for latency metrics). */
  initialAttemptTimestamp?: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Plugins that rejected it last time; only events they registered move it back. Empty after an error. */
  unschedulablePlugins: Set<string>;
  /** Held by spec.schedulingGates: waits in unschedulable until an update removes them. */
  gated?: boolean;
}

export interface SchedulingQueueOptions {
  clock: Clock;
  /** Default 1 s. */
  podInitialBackoffMs?: number;
  /** Default 10 s. */
  podMaxBackoffMs?: number;
  /** Unschedulable pods go back to active after this long even without an event. Default 5 minutes. */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Plugin name → the cluster events that may make pods it rejected schedulable. */
  pluginEvents?: Map<string, ClusterEvent[]>;
  /** Where nominations are kept; pass one when the plugins must read it before the queue exists. */
  nominator?: Nominator;
}

function priorityOf(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** The key pods have in the queue: namespace/name. */
const podKey = (pod: Pod): string => keyOf(pod);
const qKey = (q: QueuedPodInfo): string => keyOf(q.podInfo.pod);

/** Whether an update changes what scheduling looks at (status, versions and managedFields do not). */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod) => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, ...metadata } = p.metadata ?? {};
    return JSON.stringify({ metadata, spec: p.spec });
  };
  return strip(oldPod) !== strip(newPod);
}

function eventMatches(registered: ClusterEvent, event: ClusterEvent): boolean {
  if (registered.resource !== event.resource) return false;
  if (registered.action === 'All' || event.action === 'All' || registered.action === event.action) return true;
  // "Update" stands for every kind of update, on either side.
  return (registered.action === 'Update' && event.action.startsWith('Update')) || (event.action === 'Update' && registered.action.startsWith('Update'));
}

export class SchedulingQueue {
  readonly nominator: Nominator;
  private readonly clock: Clock;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private readonly pluginEvents: Map<string, ClusterEvent[]>;
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done: the latest version seen of each, and whether it was deleted meanwhile. */
  private readonly inFlight = new Map<string, { pod: Pod; cycle: number; updated: boolean; deleted: boolean }>();
  /** Events received while pods were in flight, with the cycle they came in; pruned as attempts end. */
  private receivedEvents: { cycle: number; event: ClusterEvent }[] = [];
  private cycle = 0;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private cancelTimers: (() => void)[] = [];

  constructor(options: SchedulingQueueOptions) {
    this.clock = options.clock;
    this.nominator = options.nominator ?? new Nominator();
    this.initialBackoff = options.podInitialBackoffMs ?? 1000;
    this.maxBackoff = options.podMaxBackoffMs ?? 10_000;
    this.maxUnschedulable = options.podMaxInUnschedulablePodsDurationMs ?? 5 * 60_000;
    this.pluginEvents = options.pluginEvents ?? new Map();
    this.activeQ = new KeyedHeap(qKey, (a, b) => {
      const pa = priorityOf(a.podInfo.pod);
      const pb = priorityOf(b.podInfo.pod);
      return pa > pb || (pa === pb && a.timestamp < b.timestamp);
    });
    this.backoffQ = new KeyedHeap(qKey, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return this.update(pod, pod);
    this.nominator.add(pod);
    this.enqueue({ podInfo: newPodInfo(pod), timestamp: this.clock.now(), attempts: 0, unschedulablePlugins: new Set() });
  }

  /** A pending pod changed. */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    this.nominator.update(oldPod, newPod);
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.updated ||= isPodUpdated(flying.pod, newPod);
      flying.pod = newPod;
      return;
    }
    for (const q of [this.activeQ, this.backoffQ]) {
      const queued = q.get(key);
      if (queued) {
        q.push({ ...queued, podInfo: newPodInfo(newPod) });
        return;
      }
    }
    const waiting = this.unschedulable.get(key);
    if (!waiting) return this.add(newPod);
    const updated = { ...waiting, podInfo: newPodInfo(newPod) };
    if (isPodUpdated(oldPod, newPod)) {
      this.unschedulable.delete(key);
      this.enqueue(updated, true);
    } else {
      this.unschedulable.set(key, updated);
    }
  }

  /** A pending pod was deleted (or bound by someone else): it leaves every queue. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.nominator.delete(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    const flying = this.inFlight.get(key);
    if (flying) flying.deleted = true;
  }

  /**
   * The next pod to try, waiting for one if activeQ is empty; undefined once closed.
   * The pod stays "in flight" until {@link done}.
   */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const next = this.take();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends a pod's attempt (scheduled, or requeued with {@link addUnschedulableIfNotPresent}). */
  done(pod: Pod): void {
    this.inFlight.delete(podKey(pod));
    this.pruneEvents();
  }

  /** The number of pops so far: a failed attempt reports the cycle it started in. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /**
   * Puts back a pod whose attempt failed in `podSchedulingCycle`: to backoffQ when it failed
   * with an error or when a move request came while it was tried, else with the unschedulable
   * pods. A pod deleted meanwhile is dropped. Ends the attempt (no {@link done} needed).
   */
  addUnschedulableIfNotPresent(queued: QueuedPodInfo, podSchedulingCycle: number): void {
    const key = qKey(queued);
    const flying = this.inFlight.get(key);
    this.inFlight.delete(key);
    const missedHelp = this.receivedEvents.some((e) => e.cycle >= podSchedulingCycle && this.helps(queued, e.event));
    this.pruneEvents();
    if (flying?.deleted) return;
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return;
    const pod = flying?.pod ?? queued.podInfo.pod;
    const q: QueuedPodInfo = { ...queued, podInfo: pod === queued.podInfo.pod ? queued.podInfo : newPodInfo(pod), timestamp: this.clock.now() };
    this.nominator.add(pod);
    if (flying?.updated || q.unschedulablePlugins.size === 0 || missedHelp) this.backoffQ.push(q);
    else this.unschedulable.set(key, q);
  }

  /**
   * A cluster event happened: unschedulable pods it may help go to activeQ (or backoffQ
   * while their backoff lasts). `preCheck` narrows the pods further (e.g. by node fit).
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, preCheck?: (pod: Pod) => boolean): void {
    if (this.inFlight.size) this.receivedEvents.push({ cycle: this.cycle, event });
    const moved: QueuedPodInfo[] = [];
    for (const [key, q] of this.unschedulable) {
      if (q.gated || !this.helps(q, event)) continue;
      if (preCheck && !preCheck(q.podInfo.pod)) continue;
      this.unschedulable.delete(key);
      moved.push(q);
    }
    for (const q of moved) this.requeue(q);
  }

  /** Moves pods whose backoff is over to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    for (let head = this.backoffQ.peek(); head && this.backoffExpiry(head) <= now; head = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.pushActive(head);
    }
  }

  /** Moves pods unschedulable for longer than the maximum back, as upstream's periodic flush. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    const moved: QueuedPodInfo[] = [];
    for (const [key, q] of this.unschedulable) {
      if (q.gated || now - q.timestamp <= this.maxUnschedulable) continue;
      this.unschedulable.delete(key);
      moved.push(q);
    }
    for (const q of moved) this.requeue(q);
  }

  /** Starts the periodic flushes: backoffQ every second, unschedulable pods every 30 s. */
  run(): void {
    const every = (ms: number, fn: () => void) => {
      const tick = () => {
        if (this.closed) return;
        fn();
        cancel = this.clock.setTimer(ms, tick);
      };
      let cancel = this.clock.setTimer(ms, tick);
      this.cancelTimers.push(() => cancel());
    };
    every(1000, () => this.flushBackoffQCompleted());
    every(30_000, () => this.flushUnschedulablePodsLeftover());
  }

  /** Stops the flushes; pending and future pops resolve undefined. */
  close(): void {
    this.closed = true;
    for (const cancel of this.cancelTimers.splice(0)) cancel();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** How many pods wait where (for logs, metrics and tests). */
  pendingPods(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }

  /** Where a pod waits, if it does. */
  whereIs(pod: Pod): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    const key = podKey(pod);
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    return this.inFlight.has(key) ? 'inFlight' : undefined;
  }

  /** When a pod's backoff ends: 1 s after its last try, doubling per attempt, at most 10 s. */
  backoffExpiry(q: QueuedPodInfo): number {
    if (q.attempts === 0) return q.timestamp;
    const duration = Math.min(this.initialBackoff * 2 ** (q.attempts - 1), this.maxBackoff);
    return q.timestamp + duration;
  }

  /** Forgets events no pod still in flight could have missed. */
  private pruneEvents(): void {
    if (this.receivedEvents.length === 0) return;
    let oldest = Infinity;
    for (const f of this.inFlight.values()) oldest = Math.min(oldest, f.cycle);
    if (oldest === Infinity) {
      this.receivedEvents = [];
      return;
    }
    // Events come in cycle order: the stale ones are a prefix, dropped in place (this runs
    // once per attempt, with dozens of bindings and their events in flight).
    const events = this.receivedEvents;
    let stale = 0;
    while (stale < events.length && events[stale].cycle < oldest) stale++;
    if (stale > 0) events.splice(0, stale);
  }

  private helps(q: QueuedPodInfo, event: ClusterEvent): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) {
      for (const registered of this.pluginEvents.get(plugin) ?? [{ resource: event.resource, action: 'All' as const }]) {
        if (eventMatches(registered, event)) return true;
      }
    }
    return false;
  }

  /** A new or updated pod: gated pods wait, others go to backoffQ while backing off, else activeQ. */
  private enqueue(q: QueuedPodInfo, fromUpdate = false): void {
    const gated = (q.podInfo.pod.spec?.schedulingGates?.length ?? 0) > 0;
    if (gated) {
      this.unschedulable.set(qKey(q), { ...q, gated: true });
      return;
    }
    const ready = { ...q, gated: false };
    if (fromUpdate) this.requeue(ready);
    else this.pushActive(ready);
  }

  private requeue(q: QueuedPodInfo): void {
    if (this.backoffExpiry(q) > this.clock.now()) this.backoffQ.push(q);
    else this.pushActive(q);
  }

  private pushActive(q: QueuedPodInfo): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.activeQ.push(q);
      waiter(this.take());
      return;
    }
    this.activeQ.push(q);
  }

  private take(): QueuedPodInfo | undefined {
    const q = this.activeQ.pop();
    if (!q) return undefined;
    this.cycle++;
    const taken = { ...q, attempts: q.attempts + 1, initialAttemptTimestamp: q.initialAttemptTimestamp ?? this.clock.now() };
    this.inFlight.set(qKey(taken), { pod: taken.podInfo.pod, cycle: this.cycle, updated: false, deleted: false });
    return taken;
  }
}
