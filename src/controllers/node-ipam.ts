/**
 * The node IPAM controller (upstream's range allocator): gives every Node without one a pod
 * CIDR — spec.podCIDR and spec.podCIDRs — cut from the cluster CIDR (`clusterCidr`, blocks of
 * `/nodeCidrMaskSize`), and takes the block back when the Node is deleted. The taken blocks
 * are rebuilt from the Nodes when the controller starts (it keeps nothing elsewhere), so no
 * block is handed out twice. When the range is exhausted the Node gets a CIDRNotAvailable event
 * and waits until a block is freed. Keys are node names.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, runReconciler, WorkQueue, type Result } from '../client/index.ts';
import type { ControllerConstructor } from './controller.ts';
import { CidrSet } from './node-ipam-cidr-set.ts';

const NODES = findResource('', 'v1', 'nodes')!;
/** Concurrent Node patches, as upstream's cidrUpdateWorkers. */
const CIDR_UPDATE_WORKERS = 30;

/** The pod CIDR a Node already has, if any. */
function podCidrOf(node: Node): string | undefined {
  return node.spec?.podCIDR || node.spec?.podCIDRs?.[0] || undefined;
}

export const nodeIpamController: ControllerConstructor = (ctx) => {
  const nodes = ctx.informers.informerFor<Node>(NODES);
  const queue = new WorkQueue({ clock: ctx.clock });
  const events = ctx.recorder('cidrAllocator');
  const cidrs = new CidrSet(ctx.options.clusterCidr, ctx.options.nodeCidrMaskSize);
  /** Node name → the block this controller counts as that Node's, and the Node's uid. */
  const assigned = new Map<string, { cidr: string; uid?: string }>();
  /** Nodes that found the range exhausted: looked at again when a block is freed. */
  const waiting = new Set<string>();

  const enqueue = (node: Node) => node.metadata?.name && queue.add(node.metadata.name);
  nodes.addEventHandler({ onAdd: enqueue, onUpdate: (_, n) => enqueue(n), onDelete: enqueue });

  const take = (name: string, cidr: string, uid: string | undefined) => {
    cidrs.occupy(cidr);
    assigned.set(name, { cidr, uid });
  };
  const free = (name: string) => {
    const known = assigned.get(name);
    if (!known) return;
    cidrs.release(known.cidr);
    assigned.delete(name);
    for (const w of waiting) queue.add(w);
    waiting.clear();
  };

  const reconcile = async (name: string): Promise<Result | void> => {
    const node = nodes.cache.get(name);
    if (!node) {
      waiting.delete(name);
      free(name);
      return;
    }
    const uid = node.metadata?.uid;
    const have = podCidrOf(node);
    const known = assigned.get(name);
    if (have) {
      waiting.delete(name);
      if (known?.cidr !== have) {
        free(name);
        take(name, have, uid);
      }
      return;
    }
    // Assigned to this very Node and not yet in the cache: the update's event is on its way.
    if (known && known.uid === uid) return;
    free(name);
    const cidr = cidrs.allocateNext();
    if (!cidr) {
      waiting.add(name);
      void events.event({ apiVersion: 'v1', kind: 'Node', ...node }, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      ctx.log(`node-ipam: no pod CIDR left in ${ctx.options.clusterCidr} for node ${name}`);
      return;
    }
    try {
      // A patch of the two fields, not an update of the whole Node: the kubelet writes the same
      // Node all the time, and an update would lose to it on resourceVersion. The API server
      // refuses the patch if the Node got another block meanwhile (podCIDR may not change once
      // set), and — by the uid — if it is a new Node of the same name, whose own event follows.
      const patch = { metadata: uid ? { uid } : {}, spec: { podCIDR: cidr, podCIDRs: [cidr] } };
      await ctx.client.patch<Node>(NODES, undefined, name, patch, 'merge');
    } catch (err) {
      cidrs.release(cidr);
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    assigned.set(name, { cidr, uid });
    ctx.log(`node-ipam: node ${name} gets pod CIDR ${cidr}`);
  };

  return {
    name: 'node-ipam-controller',
    async run(signal) {
      // The informer has synced: every block in use is known before any is handed out.
      for (const node of nodes.cache.list()) {
        const have = podCidrOf(node);
        if (have && !cidrs.occupy(have)) ctx.log(`node-ipam: node ${node.metadata?.name} has pod CIDR ${have}, outside the cluster CIDR ${ctx.options.clusterCidr}`);
        if (have) assigned.set(node.metadata!.name!, { cidr: have, uid: node.metadata?.uid });
      }
      // Several workers, as upstream's allocator has: a node waits on one API round trip, and
      // thousands joining at once (hollow nodes) would otherwise queue behind each other. Blocks
      // are taken synchronously before any await, so workers never hand out the same one.
      await runReconciler(queue, reconcile, { workers: CIDR_UPDATE_WORKERS, log: ctx.log, name: 'node-ipam', signal });
    },
  };
};
