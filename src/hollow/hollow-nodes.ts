/**
 * Hollow nodes (like kwok, or kubemark's hollow kubelet): N Node objects that behave, seen
 * from the API, like nodes with a kubelet — they register, renew their Lease every 10 s, post
 * status every 5 minutes, report the pods bound to them Running and Ready (or Succeeded, when a
 * pod asks to finish), and complete their pods' deletion — while no container runs.
 *
 * The cost per node is kept small so thousands fit in one process: one client (one keep-alive
 * agent, node calls and pod calls each capped by an {@link InFlightLimit}), one pod informer for all of them (every bound
 * pod, `spec.nodeName!=`, dispatched by node name) rather than a watch per node, and three
 * real timers in all ({@link CoalescedTimers}) with heartbeats spread over their interval.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { Informer, isAlreadyExists, isNotFound, keyOf, listWatchFor, realClock, runReconciler, TerminalError, WorkQueue, type Clock, type KubeObject, type RestClient } from '../client/index.ts';
import { NODE_LEASE_NAMESPACE, NodeLease } from '../kubelet/node-lease.ts';
import { CoalescedTimers } from './coalesced-timers.ts';
import { DEFAULT_HOLLOW_NODE_SHAPE, hollowNodeIP, hollowNodeStatus, hollowPodCIDR, MAX_HOLLOW_NODES, newHollowNode, type HollowNodeShape } from './hollow-node.ts';
import { hollowPodStatus, nextPodStep } from './hollow-pod.ts';
import { InFlightLimit } from './in-flight-limit.ts';
import { nodeStatusPatch } from './node-status-patch.ts';
import { PodIPRange } from './pod-ip-range.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

export interface HollowNodesOptions {
  client: RestClient;
  /** How many nodes. */
  count: number;
  /** Node names are this plus the index from 0. Default "hollow-". */
  namePrefix?: string;
  /** What each node claims. Default 4 CPUs, 16Gi, 110 pods. */
  shape?: HollowNodeShape;
  /** Lease renewal interval. Default 10 s (a kubelet's). */
  leaseIntervalMs?: number;
  /**
   * Full status post interval. Default 5 minutes: upstream's nodeStatusReportFrequency, how
   * often a kubelet whose status has not changed posts it anyway (the Lease, not the status,
   * says it is alive). A hollow node's status never changes, and at 5,000 nodes a post a minute
   * each was 83 Node writes a second, each sent to every Node watcher.
   */
  statusIntervalMs?: number;
  /** API calls in flight at once for all nodes together, node calls and pod calls each. Default 32. */
  maxInFlight?: number;
  /** Delete the Nodes (and their Leases) on stop; otherwise they stay and go NotReady. Default false. */
  deleteNodesOnStop?: boolean;
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: nowhere. */
  log?: (line: string) => void;
}

export interface RunningHollowNodes {
  /** The nodes' names, by index. */
  readonly nodeNames: readonly string[];
  /** Stops every node; deletes them if asked to. */
  stop(): Promise<void>;
}

interface HollowNode {
  name: string;
  index: number;
  uid?: string;
  node?: Node;
  lease: NodeLease;
  ips?: PodIPRange;
}

/** Registers `count` hollow nodes and runs them until `stop`. Resolves once all are registered and pods are watched. */
export async function startHollowNodes(options: HollowNodesOptions): Promise<RunningHollowNodes> {
  const { client, count } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOLLOW_NODES) throw new RangeError(`--count must be 1..${MAX_HOLLOW_NODES}, got ${count}`);
  const prefix = options.namePrefix ?? 'hollow-';
  const shape = options.shape ?? DEFAULT_HOLLOW_NODE_SHAPE;
  const clock = options.clock ?? realClock;
  const log = options.log ?? (() => {});
  const leaseInterval = options.leaseIntervalMs ?? 10_000;
  const statusInterval = options.statusIntervalMs ?? 300_000;
  // Node calls (registration, Leases, status) and pod calls wait in separate lines: at
  // thousands of nodes the heartbeats alone can outrun the API server, and a pod's start
  // queued behind that backlog took minutes, where a kubelet would report it at once.
  const limit = new InFlightLimit(options.maxInFlight ?? 32);
  const podLimit = new InFlightLimit(options.maxInFlight ?? 32);
  const call = <T>(fn: () => Promise<T>) => limit.run(fn);
  const podCall = <T>(fn: () => Promise<T>) => podLimit.run(fn);
  const nodes = new Map<string, HollowNode>();
  const leaseTimers = new CoalescedTimers<string>(clock);
  const statusTimers = new CoalescedTimers<string>(clock);
  const completionTimers = new CoalescedTimers<string>(clock);
  const busy = new Set<string>();
  let stopped = false;

  for (let index = 0; index < count; index++) {
    const name = `${prefix}${index}`;
    const hn: HollowNode = {
      name,
      index,
      lease: new NodeLease({ get: (r, ns, n) => call(() => client.get(r, ns, n)), create: (r, o) => call(() => client.create(r, o)), update: (r, o) => call(() => client.update(r, withoutManagedFields(o))) }, {
        nodeName: name,
        nodeUid: () => hn.uid,
        clock,
        renewIntervalMs: leaseInterval,
        log,
      }),
    };
    nodes.set(name, hn);
  }

  const register = async (hn: HollowNode) => {
    const desired = newHollowNode(hn.name, hn.index, shape, clock.now());
    let node: Node;
    try {
      node = await call(() => client.create<Node>(NODES, desired));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await call(() => client.get<Node>(NODES, undefined, hn.name));
    }
    hn.uid = node.metadata?.uid;
    hn.node = await call(() => client.patchStatus<Node>(NODES, undefined, hn.name, { status: hollowNodeStatus(hn.name, hn.index, shape, clock.now(), node.status) }, 'merge'));
    hn.ips = new PodIPRange(node.spec?.podCIDR ?? hollowPodCIDR(hn.index));
  };
  await Promise.all([...nodes.values()].map(register));

  /** Runs `fn` for `hn` unless the previous heartbeat of that kind is still in flight, then again `interval` after `due`. */
  const every = (timers: CoalescedTimers<string>, kind: string, interval: number, fn: (hn: HollowNode) => Promise<unknown>) => {
    const tick = (hn: HollowNode, due: number) => {
      const key = `${kind}/${hn.name}`;
      const next = () => {
        if (!stopped) timers.at(hn.name, Math.max(due + interval, clock.now()), () => tick(hn, Math.max(due + interval, clock.now())));
      };
      if (busy.has(key)) return next();
      busy.add(key);
      fn(hn)
        .catch((err) => {
          if (!stopped) log(`hollow node ${hn.name}: ${kind}: ${message(err)}`);
        })
        .finally(() => {
          busy.delete(key);
          next();
        });
    };
    const start = clock.now();
    // Spread evenly over one interval, so N nodes make a steady N/interval calls per second.
    for (const hn of nodes.values()) {
      const due = start + Math.floor((hn.index * interval) / count);
      timers.at(hn.name, due, () => tick(hn, due));
    }
  };
  every(leaseTimers, 'lease', leaseInterval, (hn) => hn.lease.renew());
  every(statusTimers, 'status', statusInterval, async (hn) => {
    const { patch, type } = nodeStatusPatch(hn.node?.status, hollowNodeStatus(hn.name, hn.index, shape, clock.now(), hn.node?.status));
    hn.node = await call(() => client.patchStatus<Node>(NODES, undefined, hn.name, patch, type));
  });

  const pods = new Informer<Pod>(listWatchFor(client, PODS, { fieldSelector: 'spec.nodeName!=' }), { name: 'hollow-node pods', clock, log });
  const queue = new WorkQueue({ clock });
  const ours = (pod: Pod) => nodes.get(pod.spec?.nodeName ?? '');
  const enqueue = (pod: Pod) => {
    const hn = ours(pod);
    if (!hn) return;
    // A pod this process (or an earlier run) already started keeps its address.
    if (pod.status?.podIP && pod.metadata?.uid) hn.ips?.reserve(pod.metadata.uid, pod.status.podIP);
    queue.add(keyOf(pod));
  };
  pods.addEventHandler({
    onAdd: enqueue,
    onUpdate: (_, pod) => enqueue(pod),
    onDelete: (pod) => {
      completionTimers.cancel(keyOf(pod));
      if (pod.metadata?.uid) ours(pod)?.ips?.release(pod.metadata.uid);
    },
  });

  const reconcile = async (key: string) => {
    const pod = pods.cache.get(key);
    const hn = pod && ours(pod);
    if (!pod || !hn?.ips) return;
    const { namespace, name, uid } = pod.metadata!;
    const step = nextPodStep(pod, clock.now());
    switch (step.kind) {
      case 'delete':
        await podCall(() => client.delete(PODS, namespace, name!, { gracePeriodSeconds: 0, preconditions: { uid } })).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
        return;
      case 'start':
      case 'complete': {
        const podIP = hn.ips.allocate(uid ?? key);
        if (!podIP) throw new TerminalError(`no pod address left on ${hn.name}`);
        const status = hollowPodStatus({ pod, phase: step.kind === 'start' ? 'Running' : 'Succeeded', podIP, hostIP: hollowNodeIP(hn.index), now: clock.now() });
        await podCall(() => client.patchStatus<Pod>(PODS, namespace, name!, { status }, 'merge')).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
        return;
      }
      case 'wait':
        completionTimers.at(key, step.atMs, () => queue.add(key));
        return;
      case 'none':
        return;
    }
  };
  const workers = runReconciler(queue, reconcile, { workers: options.maxInFlight ?? 32, log, name: 'hollow-node pods' });
  pods.start();
  await pods.waitForSync();

  return {
    nodeNames: [...nodes.keys()],
    async stop() {
      if (stopped) return;
      stopped = true;
      pods.stop();
      queue.shutDown();
      leaseTimers.stop();
      statusTimers.stop();
      completionTimers.stop();
      // Heartbeats and pod updates still waiting for a slot are not sent: at thousands of nodes
      // the backlog behind a loaded API server would hold the stop for minutes.
      for (const l of [limit, podLimit]) l.dropWaiting(new Error('hollow nodes stopping'));
      await workers;
      await Promise.all([limit.idle(), podLimit.idle()]);
      if (!options.deleteNodesOnStop) return;
      await Promise.all(
        [...nodes.values()].map(async (hn) => {
          for (const [r, ns] of [[NODES, undefined], [LEASES, NODE_LEASE_NAMESPACE]] as const) {
            await call(() => client.delete(r, ns, hn.name)).catch((err) => {
              if (!isNotFound(err)) log(`hollow node ${hn.name}: deleting ${r.kind}: ${message(err)}`);
            });
          }
        }),
      );
    },
  };
}

/**
 * A Lease to PUT without the managedFields it was read with: the API server keeps the stored
 * ones when a write sends none, as upstream's does, and they are half of a Lease's size.
 */
function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
