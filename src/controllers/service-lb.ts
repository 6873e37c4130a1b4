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

  const enqueue = (svc: Service) => queue.add(keyOf(svc));
  services.addEventHandler({ onAdd: enqueue, onUpdate: (_, svc) => enqueue(svc) });
  const enqueueLoadBalancers = () => {
    for (const svc of services.cache.list()) if (svc.spec?.type === 'LoadBalancer') enqueue(svc);
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
