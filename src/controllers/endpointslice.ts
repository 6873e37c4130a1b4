/**
 * The EndpointSlice controller: keeps the discovery.k8s.io/v1 EndpointSlices of every Service
 * with a selector — IPv4 slices named `<service>-<random>`, labelled with the Service's name and
 * `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`, owned by the
 * Service — holding one endpoint per selected pod with an IP, with its ready / serving /
 * terminating conditions. How endpoints are spread over slices is decided by
 * endpointslice-plan.ts; this file reads the caches, asks it, and writes the answer.
 *
 * Only slices carrying our managed-by label are ever touched: slices other controllers or
 * users manage for the same Service (the API server's `kubernetes` slice, say) are left alone.
 */
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, LABEL_INDEX, runReconciler, splitKey, WorkQueue, type Result } from '../client/index.ts';
import type { ControllerConstructor, ControllerContext, Controller } from './controller.ts';
import { wantsEndpoints } from './endpoints.ts';
import { isNamespaceTerminating } from './namespace-terminating.ts';
import { planSlices, type EndpointGroup, portsKey } from './endpointslice-plan.ts';
import { isPodReady } from './pod-util.ts';
import { findPort, HEADLESS_LABEL, isHeadless, LAST_CHANGE_TRIGGER_TIME, podEndpointsChanged, podIPv4, podsSelectedBy, servicesSelecting, shouldPodBeInEndpoints, shouldSetHostname } from './service-pods.ts';
import { indexPods, indexServiceSelectors } from './selection-indexes.ts';
import { SliceExpectations } from './slice-expectations.ts';
import { TriggerTimeTracker } from './trigger-time-tracker.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

const servicesResource = findResource('', 'v1', 'services')!;
const podsResource = findResource('', 'v1', 'pods')!;
const nodesResource = findResource('', 'v1', 'nodes')!;
const slicesResource = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

export interface EndpointSliceControllerOptions {
  /** Upstream's --max-endpoints-per-slice. Default 100. */
  maxEndpointsPerSlice?: number;
  /** How long a sync waits for the cache to show this controller's own writes. Default 30 s. */
  maxCacheWaitMs?: number;
}

/** The labels of every slice of `svc`: the Service's own (but not ours to set), the service name, the manager. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata?.labels };
  delete labels[HEADLESS_LABEL];
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_CONTROLLER_NAME;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

/** The endpoint of `pod` in the slices of `svc`, or undefined when the pod has no place there. */
export function podToEndpoint(pod: Pod, svc: Service, node?: Node): Endpoint | undefined {
  if (!shouldPodBeInEndpoints(pod, true)) return undefined;
  const ip = podIPv4(pod);
  if (!ip) return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const m = pod.metadata ?? {};
  const endpoint: Endpoint = {
    addresses: [ip],
    // Ready is never true for a terminating endpoint unless the Service publishes not-ready ones.
    conditions: { ready: (svc.spec?.publishNotReadyAddresses ?? false) || (serving && !terminating), serving, terminating },
    targetRef: { kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid },
  };
  if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) endpoint.zone = zone;
  if (shouldSetHostname(pod, svc)) endpoint.hostname = pod.spec!.hostname;
  return endpoint;
}

/** The ports of `svc` that resolve on `pod`, in the Service's order. */
function endpointPorts(pod: Pod, svc: Service): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    ports.push(ep);
  }
  return ports;
}

/** The endpoints of `svc`'s pods, grouped by the ports they offer. */
export function desiredGroups(svc: Service, pods: Pod[], nodeOf: (name: string) => Node | undefined = () => undefined): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    const endpoint = podToEndpoint(pod, svc, pod.spec?.nodeName ? nodeOf(pod.spec.nodeName) : undefined);
    if (!endpoint) continue;
    const ports = endpointPorts(pod, svc);
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [] }));
    group.endpoints.push(endpoint);
  }
  return [...groups.values()];
}

export function newEndpointSliceController(ctx: ControllerContext, options: EndpointSliceControllerOptions = {}): Controller {
  const services = ctx.informers.informerFor<Service>(servicesResource);
  const pods = ctx.informers.informerFor<Pod>(podsResource);
  indexPods(pods.cache);
  indexServiceSelectors(services.cache);
  const nodes = ctx.informers.informerFor<Node>(nodesResource);
  const slices = ctx.informers.informerFor<EndpointSlice>(slicesResource);
  const recorder = ctx.recorder('endpointslice-controller');
  const queue = new WorkQueue({ clock: ctx.clock });
  const tracker = new TriggerTimeTracker();
  const expectations = new SliceExpectations(() => ctx.clock.now(), options.maxCacheWaitMs);

  const enqueue = (obj: { metadata?: { namespace?: string; name?: string } }) => queue.add(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
  const enqueueServicesOf = (...versions: Pod[]) => {
    const namespace = versions[0].metadata?.namespace ?? '';
    for (const svc of servicesSelecting(namespace, versions.map((p) => p.metadata?.labels), services.cache)) enqueue(svc);
  };
  /**
   * A slice we manage: note that the cache has seen it, and sync its Service — unless it is
   * exactly our own last write of it coming back (upstream's EndpointSliceTracker.ShouldSync),
   * which a sync would find nothing to do about.
   */
  const sliceChanged = (slice: EndpointSlice, deleted: boolean) => {
    const labels = slice.metadata?.labels ?? {};
    if (labels[MANAGED_BY_LABEL] !== ENDPOINTSLICE_CONTROLLER_NAME || !labels[SERVICE_NAME_LABEL]) return;
    const key = `${slice.metadata?.namespace}/${labels[SERVICE_NAME_LABEL]}`;
    if (expectations.observed(key, slice, deleted) === 'own-write') return;
    queue.add(key);
  };
  services.addEventHandler({ onAdd: enqueue, onUpdate: (_, svc) => enqueue(svc), onDelete: enqueue });
  pods.addEventHandler({
    onAdd: (pod) => enqueueServicesOf(pod),
    onUpdate: (old, pod) => {
      if (podEndpointsChanged(old, pod)) enqueueServicesOf(old, pod);
    },
    onDelete: (pod) => enqueueServicesOf(pod),
  });
  slices.addEventHandler({
    onAdd: (s) => sliceChanged(s, false),
    onUpdate: (_, s) => sliceChanged(s, false),
    onDelete: (s) => sliceChanged(s, true),
  });

  function managedSlices(namespace: string, name: string): EndpointSlice[] {
    return slices.cache
      .byIndex(LABEL_INDEX, `${SERVICE_NAME_LABEL}=${name}`)
      .filter((s) => s.metadata?.namespace === namespace && s.metadata?.labels?.[MANAGED_BY_LABEL] === ENDPOINTSLICE_CONTROLLER_NAME);
  }

  async function deleteSlice(key: string, slice: EndpointSlice): Promise<void> {
    const m = slice.metadata!;
    try {
      await ctx.client.delete(slicesResource, m.namespace, m.name!, { preconditions: { uid: m.uid } });
    } catch (err) {
      // The name now belongs to a newer slice than the one we meant: leave it to the next sync.
      if (isConflict(err)) return;
      if (!isNotFound(err)) throw err;
    }
    expectations.deleted(key, m.name!);
  }

  async function reconcile(key: string): Promise<Result | void> {
    const { namespace = '', name } = splitKey(key);
    // Acting on a cache that misses our own last writes would duplicate endpoints.
    if (expectations.stale(key, (sliceName) => slices.cache.getByName(namespace, sliceName))) return { requeueAfterMs: 50 };
    const svc = services.cache.getByName(namespace, name);
    const existing = managedSlices(namespace, name);
    if (!wantsEndpoints(svc)) {
      if (!svc) tracker.forget(namespace, name);
      for (const slice of existing) await deleteSlice(key, slice);
      return;
    }
    const uid = svc.metadata?.uid;
    const owned = existing.filter((s) => s.metadata?.ownerReferences?.some((r) => r.kind === 'Service' && r.uid === uid));
    // Slices of an earlier Service of the same name.
    for (const slice of existing.filter((s) => !owned.includes(s))) await deleteSlice(key, slice);

    const selected = podsSelectedBy(svc, pods.cache);
    const triggerTime = tracker.compute(svc, selected);
    const labels = sliceLabels(svc);
    const plan = planSlices(owned, desiredGroups(svc, selected, (n) => nodes.cache.getByName(undefined, n)), {
      labels,
      maxEndpointsPerSlice: options.maxEndpointsPerSlice,
    });
    const annotate = (annotations: Record<string, string> | undefined) => {
      const next = { ...annotations };
      if (triggerTime) next[LAST_CHANGE_TRIGGER_TIME] = triggerTime;
      else delete next[LAST_CHANGE_TRIGGER_TIME];
      return next;
    };
    try {
      // Creates first and deletes last, so that consumers never see the Service without endpoints mid-way.
      for (const content of plan.create) {
        const slice: EndpointSlice = {
          metadata: {
            generateName: `${name}-`,
            namespace,
            labels,
            annotations: annotate(undefined),
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: uid!, controller: true, blockOwnerDeletion: true }],
          },
          addressType: 'IPv4',
          endpoints: content.endpoints,
          ports: content.ports,
        };
        expectations.written(key, await ctx.client.create(slicesResource, slice));
      }
      for (const { slice, ports, endpoints } of plan.update) {
        const next = structuredClone(slice);
        next.metadata!.labels = labels;
        next.metadata!.annotations = annotate(next.metadata!.annotations);
        next.ports = ports;
        next.endpoints = endpoints;
        expectations.written(key, await ctx.client.update(slicesResource, next));
      }
      for (const slice of plan.delete) await deleteSlice(key, slice);
      tracker.record(svc, selected);
    } catch (err) {
      if (isNamespaceTerminating(err)) return;
      // Someone else wrote a slice we read from the cache: try again once the cache shows it.
      if (isConflict(err)) return { requeue: true };
      void recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${(err as Error).message}`);
      throw err;
    }
  }

  return {
    name: 'endpointslice-controller',
    run: (signal) => runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name: 'endpointslice-controller', signal }),
  };
}

export const endpointSliceController: ControllerConstructor = (ctx) => newEndpointSliceController(ctx);
