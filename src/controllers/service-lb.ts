/**
 * The service load-balancer controller: keeps status.loadBalancer.ingress of every LoadBalancer
 * Service equal to the Ready nodes' InternalIPs (see service-lb-plan.ts), so `kubectl get svc`
 * shows them as EXTERNAL-IP, and clears it when a Service stops being a LoadBalancer. Keys are
 * Service keys; a node change (joining, Ready flipping, addresses changing, leaving) requeues
 * every LoadBalancer Service.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, keyOf, runReconciler, splitKey, WorkQueue, type Result } from '../client/index.ts';
import type { ControllerConstructor } from './controller.ts';
import { desiredIngress, isNodeReady } from './service-lb-plan.ts';

const SERVICES = findResource('', 'v1', 'services')!;
const NODES = findResource('', 'v1', 'nodes')!;

export const serviceLoadBalancerController: ControllerConstructor = (ctx) => {
  const services = ctx.informers.informerFor<Service>(SERVICES);
  const nodes = ctx.informers.informerFor<Node>(NODES);
  const queue = new WorkQueue({ clock: ctx.clock });

  /**
   * Keys of the LoadBalancer Services: a node event requeues only these. Scanning every Service
   * per node event was nodes × Services on a relist — 50 million checks at 5,000 nodes and
   * 10,000 Services, seconds of the control plane's one thread.
   */
  const loadBalancers = new Set<string>();
  const seen = (svc: Service) => {
    const key = keyOf(svc);
    if (svc.spec?.type === 'LoadBalancer') loadBalancers.add(key);
    else loadBalancers.delete(key);
    queue.add(key);
  };
  services.addEventHandler({ onAdd: seen, onUpdate: (_, svc) => seen(svc), onDelete: (svc) => loadBalancers.delete(keyOf(svc)) });
  const enqueueLoadBalancers = () => {
    for (const key of loadBalancers) queue.add(key);
  };
  const addresses = (n: Node) => [isNodeReady(n), n.status?.addresses?.filter((a) => a.type === 'InternalIP')];
  nodes.addEventHandler({
    onAdd: enqueueLoadBalancers,
    onUpdate: (old, node) => {
      if (!isDeepStrictEqual(addresses(old), addresses(node))) enqueueLoadBalancers();
    },
    onDelete: enqueueLoadBalancers,
  });

  async function reconcile(key: string): Promise<Result | void> {
    const { namespace = '', name } = splitKey(key);
    const svc = services.cache.getByName(namespace, name);
    if (!svc) return;
    const ingress = desiredIngress(svc, nodes.cache.list());
    if (ingress === undefined || isDeepStrictEqual(svc.status?.loadBalancer?.ingress ?? [], ingress)) return;
    const next: Service = { ...structuredClone(svc), status: { ...svc.status, loadBalancer: ingress.length ? { ingress } : {} } };
    try {
      await ctx.client.updateStatus(SERVICES, next);
    } catch (err) {
      if (isNotFound(err)) return;
      // Our cache is behind the Service: look again once it catches up.
      if (isConflict(err)) return { requeue: true };
      throw err;
    }
  }

  return {
    name: 'service-lb-controller',
    run: (signal) => runReconciler(queue, reconcile, { log: ctx.log, name: 'service-lb-controller', signal }),
  };
};
