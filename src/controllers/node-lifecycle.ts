/**
 * The node lifecycle controller, with upstream's taint-based eviction folded in. Per node:
 * - a node not heard from (Lease renewal or Ready heartbeat) for nodeMonitorGracePeriodSeconds
 *   has Ready and the pressure conditions set to Unknown ("Kubelet stopped posting node
 *   status."), and its pods marked not Ready, so Services stop sending them traffic;
 * - its condition taints follow its conditions: `node.kubernetes.io/unreachable` (Ready
 *   Unknown) or `not-ready` (Ready False), NoSchedule and NoExecute, plus the pressure and
 *   unschedulable NoSchedule taints; they go when the kubelet reports Ready again;
 * - pods on a node with NoExecute taints are deleted when they do not tolerate one, or once
 *   their toleration's tolerationSeconds have passed since the taint was added, so their
 *   controllers recreate them elsewhere.
 * Keys are node names; a node is looked at again when it, its Lease or a pod on it changes, and
 * when its grace or a pod's toleration runs out.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, NODE_NAME_INDEX, runReconciler, WorkQueue, type Result } from '../client/index.ts';
import type { ControllerConstructor } from './controller.ts';
import { formatTime } from '../api/time.ts';
import { lastHeartbeat, reconcileTaints, unknownConditions } from './node-health.ts';
import { evictionTime } from './taints.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export const nodeLifecycleController: ControllerConstructor = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(NODES);
  const leases = ctx.informers.informerFor<Lease>(LEASES, { namespace: NODE_LEASE_NAMESPACE });
  const pods = ctx.informers.informerFor<Pod>(PODS);
  const queue = new WorkQueue({ clock: ctx.clock });
  const nodeEvents = ctx.recorder('node-controller');
  const evictionEvents = ctx.recorder('taint-eviction-controller');

  const enqueue = (obj: { metadata?: { name?: string } }) => obj.metadata?.name && queue.add(obj.metadata.name);
  nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_, n) => enqueue(n) });
  leases.addEventHandler({ onAdd: enqueue, onUpdate: (_, l) => enqueue(l) });
  // Only pods on a node with NoExecute taints need a look: the others have nothing to fear.
  const enqueueNodeOf = (pod: Pod) => {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || pod.metadata?.deletionTimestamp) return;
    if (nodes.cache.get(nodeName)?.spec?.taints?.some((t) => t.effect === 'NoExecute')) queue.add(nodeName);
  };
  pods.addEventHandler({ onAdd: enqueueNodeOf, onUpdate: (_, p) => enqueueNodeOf(p) });

  const reconcile = async (name: string): Promise<Result | void> => {
    let node = nodes.cache.get(name);
    if (!node) return;
    const now = ctx.clock.now();
    const graceMs = ctx.options.nodeMonitorGracePeriodSeconds * 1000;
    const silentUntil = lastHeartbeat(node, leases.cache.getByName(NODE_LEASE_NAMESPACE, name)) + graceMs;
    let wakeAt: number | undefined;
    if (now >= silentUntil) {
      const conditions = unknownConditions(node, now);
      if (conditions) {
        node = await ctx.client.updateStatus<Node>(NODES, { ...structuredClone(node), status: { ...node.status, conditions } });
        void nodeEvents.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        await markPodsNotReady(name, now);
      }
    } else {
      wakeAt = silentUntil;
    }

    const taints = reconcileTaints(node, now);
    if (taints) {
      const { taints: _old, ...spec } = node.spec ?? {};
      node = await ctx.client.update<Node>(NODES, { ...structuredClone(node), spec: taints.length ? { ...spec, taints } : spec });
    }

    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length) {
      for (const pod of pods.cache.byIndex(NODE_NAME_INDEX, name)) {
        if (pod.metadata?.deletionTimestamp) continue;
        const at = evictionTime(pod.spec?.tolerations, noExecute, now);
        if (at === undefined) continue;
        if (at > now) {
          wakeAt = Math.min(wakeAt ?? at, at);
          continue;
        }
        await evict(pod);
      }
    }
    return wakeAt === undefined ? undefined : { requeueAfterMs: Math.max(1, wakeAt - now) };
  };

  /** Deletes `pod` (the same pod: uid precondition), with its own grace period, as upstream's eviction. */
  const evict = async (pod: Pod) => {
    const { namespace, name, uid } = pod.metadata!;
    void evictionEvents.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    try {
      await ctx.client.delete(PODS, namespace, name!, { preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  };

  /** Upstream's MarkPodsNotReady: the kubelet cannot vouch for them any more. */
  const markPodsNotReady = async (nodeName: string, now: number) => {
    for (const pod of pods.cache.byIndex(NODE_NAME_INDEX, nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || pod.metadata?.deletionTimestamp) continue;
      const conditions = pod.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: formatTime(now) } : c));
      try {
        await ctx.client.updateStatus<Pod>(PODS, { ...structuredClone(pod), status: { ...pod.status, conditions } });
      } catch (err) {
        // Changed or gone meanwhile: its next update is the kubelet's, or nothing.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  };

  return {
    name: 'node-lifecycle-controller',
    async run(signal) {
      await runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name: 'node-lifecycle', signal });
    },
  };
};
