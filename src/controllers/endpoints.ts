/**
 * The Endpoints controller: keeps one core/v1 Endpoints per Service with a selector, named as
 * the Service, listing the selected pods' addresses (ready and not ready) and ports (see
 * endpoint-subsets.ts). Keys on the queue are Service keys; a pod change queues every Service
 * of its namespace whose selector matches the pod's old or new labels, so a readiness flip
 * lands within one sync.
 *
 * The Endpoints it writes carry `endpoints.kubernetes.io/managed-by: endpoint-controller`
 * (upstream's label since 1.33): that is how it knows, level-triggered and after a crash too,
 * which Endpoints are its own to delete when their Service is gone or has lost its selector,
 * and which were written by someone else (a selector-less Service's hand-made Endpoints, or
 * the API server's `kubernetes` Endpoints) and must be left alone.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isAlreadyExists, isConflict, isNotFound, keyOf, runReconciler, splitKey, WorkQueue, type Result } from '../client/index.ts';
import type { ControllerConstructor } from './controller.ts';
import { computeSubsets, truncateSubsets } from './endpoint-subsets.ts';
import { isNamespaceTerminating } from './namespace-terminating.ts';
import { HEADLESS_LABEL, isHeadless, LAST_CHANGE_TRIGGER_TIME, podEndpointsChanged, podsSelectedBy, serviceSelector, servicesSelecting } from './service-pods.ts';
import { indexPods, indexServiceSelectors } from './selection-indexes.ts';
import { TriggerTimeTracker } from './trigger-time-tracker.ts';

export const ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_CONTROLLER_NAME = 'endpoint-controller';
/** Set to `truncated` on Endpoints cut down to 1000 addresses (the full set is in the EndpointSlices). */
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

const servicesResource = findResource('', 'v1', 'services')!;
const podsResource = findResource('', 'v1', 'pods')!;
const endpointsResource = findResource('', 'v1', 'endpoints')!;

/** The labels the Endpoints of `svc` should carry: the Service's own, plus ours. */
function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata?.labels, [ENDPOINTS_MANAGED_BY]: ENDPOINTS_CONTROLLER_NAME };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Whether a Service gets Endpoints from this controller. */
export function wantsEndpoints(svc: Service | undefined): svc is Service {
  return !!svc && !!serviceSelector(svc) && svc.spec?.type !== 'ExternalName';
}

export const endpointsController: ControllerConstructor = (ctx) => {
  const services = ctx.informers.informerFor<Service>(servicesResource);
  const pods = ctx.informers.informerFor<Pod>(podsResource);
  indexPods(pods.cache);
  indexServiceSelectors(services.cache);
  const endpoints = ctx.informers.informerFor<Endpoints>(endpointsResource);
  const recorder = ctx.recorder('endpoint-controller');
  const queue = new WorkQueue({ clock: ctx.clock });
  const tracker = new TriggerTimeTracker();

  const enqueue = (obj: { metadata?: { namespace?: string; name?: string } }) => queue.add(keyOf(obj));
  const enqueueServicesOf = (...versions: Pod[]) => {
    const namespace = versions[0].metadata?.namespace ?? '';
    for (const svc of servicesSelecting(namespace, versions.map((p) => p.metadata?.labels), services.cache)) enqueue(svc);
  };
  services.addEventHandler({ onAdd: enqueue, onUpdate: (_, svc) => enqueue(svc), onDelete: enqueue });
  pods.addEventHandler({
    onAdd: (pod) => enqueueServicesOf(pod),
    onUpdate: (old, pod) => {
      if (podEndpointsChanged(old, pod)) enqueueServicesOf(old, pod);
    },
    onDelete: (pod) => enqueueServicesOf(pod),
  });
  /**
   * Service key → the resourceVersion of our last write of its Endpoints, until the informer
   * shows it: that event is our own write coming back, and a sync for it would find nothing to do.
   */
  const ownWrites = new Map<string, string>();
  const endpointsChanged = (ep: Endpoints) => {
    const key = keyOf(ep);
    const own = ownWrites.get(key);
    if (own !== undefined) {
      ownWrites.delete(key);
      if (own === ep.metadata?.resourceVersion) return;
    }
    enqueue(ep);
  };
  // Someone else's write to an Endpoints we manage (or the removal of one left over from a
  // Service deleted while we were down) is put right by syncing its Service.
  endpoints.addEventHandler({ onAdd: endpointsChanged, onUpdate: (_, ep) => endpointsChanged(ep), onDelete: enqueue });

  async function reconcile(key: string): Promise<Result | void> {
    const { namespace = '', name } = splitKey(key);
    const svc = services.cache.getByName(namespace, name);
    const current = endpoints.cache.getByName(namespace, name);
    if (!wantsEndpoints(svc)) {
      if (!svc) {
        tracker.forget(namespace, name);
        ownWrites.delete(key);
      }
      if (current?.metadata?.labels?.[ENDPOINTS_MANAGED_BY] === ENDPOINTS_CONTROLLER_NAME) {
        await ctx.client.delete(endpointsResource, namespace, name, { preconditions: { uid: current.metadata.uid } }).catch((err) => {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        });
      }
      return;
    }
    const selected = podsSelectedBy(svc, pods.cache);
    const all = computeSubsets(svc, selected);
    const truncated = truncateSubsets(all);
    const subsets = truncated ?? all;
    const triggerTime = tracker.compute(svc, selected);
    const labels = endpointsLabels(svc);
    if (
      current &&
      isDeepStrictEqual(current.subsets ?? [], subsets) &&
      isDeepStrictEqual(current.metadata?.labels ?? {}, labels) &&
      (current.metadata?.annotations?.[OVER_CAPACITY] === 'truncated') === !!truncated
    ) {
      tracker.record(svc, selected);
      return;
    }

    const next: Endpoints = current ? structuredClone(current) : { metadata: { name, namespace } };
    next.metadata!.labels = labels;
    const annotations = { ...next.metadata!.annotations };
    if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = triggerTime;
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (truncated) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];
    next.metadata!.annotations = annotations;
    next.subsets = subsets;
    try {
      const written = current ? await ctx.client.update(endpointsResource, next) : await ctx.client.create(endpointsResource, next);
      if (written.metadata?.resourceVersion) ownWrites.set(key, written.metadata.resourceVersion);
      tracker.record(svc, selected);
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      // The cache is behind (our own last write, or another's, not seen yet): try again once it catches up.
      if (isConflict(err) || isAlreadyExists(err) || isNotFound(err)) return { requeue: true };
      void recorder.event(svc, 'Warning', current ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint', `Failed to ${current ? 'update' : 'create'} endpoint ${namespace}/${name}: ${(err as Error).message}`);
      throw err;
    }
  }

  return {
    name: 'endpoint-controller',
    run: (signal) => runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name: 'endpoint-controller', signal }),
  };
};
