/**
 * What the Endpoints and EndpointSlice controllers share about a Service and its pods: which
 * pods a Service selects, which Services select a pod, whether a pod belongs in the endpoints
 * at all, and which port a Service port reaches on a given pod (a named
 * targetPort can be a different number on every pod).
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { ObjectCache } from '../client/index.ts';
import { isPodReady } from './pod-util.ts';
import { LABEL_IN_NAMESPACE_INDEX, pairInNamespace, SELECTOR_IN_NAMESPACE_INDEX, type indexPods, type indexServiceSelectors } from './selection-indexes.ts';

/**
 * The Service's selector, or undefined when it has none. An empty selector counts as none:
 * after a round trip through protobuf (kubectl's encoding) `{}` and a missing map are the
 * same thing, and a Service selecting every pod of its namespace is never what was meant.
 */
export function serviceSelector(svc: Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/** Whether the Service's selector matches these labels (a Service with no selector matches nothing). */
export function selectorMatches(svc: Service, labels: Record<string, string> | undefined): boolean {
  const sel = serviceSelector(svc);
  if (!sel) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

/**
 * The pods of the Service's namespace its selector matches. Every such pod carries the
 * selector's first pair, so only that pair's bucket is read (`pods` needs {@link indexPods}).
 */
export function podsSelectedBy(svc: Service, pods: ObjectCache<Pod>): Pod[] {
  const sel = serviceSelector(svc);
  if (!sel) return [];
  const [key, value] = Object.entries(sel)[0];
  return pods.byIndex(LABEL_IN_NAMESPACE_INDEX, pairInNamespace(svc.metadata?.namespace ?? '', key, value)).filter((pod) => selectorMatches(svc, pod.metadata?.labels));
}

/**
 * The Services of the pod's namespace whose selectors match any of `labelSets` (old and new
 * labels). A Service selecting a pod has every pair of its selector among the pod's labels, so
 * the candidates are the Services filed under one of those labels (`services` needs
 * {@link indexServiceSelectors}).
 */
export function servicesSelecting(namespace: string, labelSets: (Record<string, string> | undefined)[], services: ObjectCache<Service>): Service[] {
  const candidates = new Map<string, Service>();
  for (const labels of labelSets) {
    for (const [key, value] of Object.entries(labels ?? {})) {
      for (const svc of services.byIndex(SELECTOR_IN_NAMESPACE_INDEX, pairInNamespace(namespace, key, value))) candidates.set(svc.metadata?.name ?? '', svc);
    }
  }
  return [...candidates.values()].filter((svc) => labelSets.some((labels) => selectorMatches(svc, labels)));
}

/**
 * Whether an update of a pod can change any Service's endpoints (upstream's
 * podEndpointsChanged): its labels, hostname or subdomain (which Services select it, and its
 * DNS name), its deletion, its readiness, its addresses, or its finishing. Anything else — a
 * binding, a container restart count, a condition other than Ready — leaves every endpoint
 * as it was, so the Services are not synced for it: at scale a pod is written several times
 * on its way to Running, and each sync of a Service reads all its pods. Name, namespace and
 * uid are immutable, and nodeName is set once, before the pod has an address.
 */
export function podEndpointsChanged(old: Pod, pod: Pod): boolean {
  if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return false;
  if (!sameMap(old.metadata?.labels, pod.metadata?.labels)) return true;
  if (old.spec?.hostname !== pod.spec?.hostname || old.spec?.subdomain !== pod.spec?.subdomain) return true;
  if (old.metadata?.deletionTimestamp !== pod.metadata?.deletionTimestamp) return true;
  if (isPodReady(old) !== isPodReady(pod) || isPodTerminal(old) !== isPodTerminal(pod)) return true;
  if (old.status?.podIP !== pod.status?.podIP) return true;
  const oldIPs = old.status?.podIPs ?? [];
  const ips = pod.status?.podIPs ?? [];
  return oldIPs.length !== ips.length || oldIPs.some((p, i) => p.ip !== ips[i].ip);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => b![k] === a![k]);
}

/** A pod that has finished (Succeeded or Failed) and will never serve again. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Whether a pod has a place in a Service's endpoints at all (ready or not): it must have an IP
 * and not have finished; a terminating pod (deletionTimestamp set) only when `includeTerminating`.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** The pod's IPv4 address, if it has one. */
export function podIPv4(pod: Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find((ip): ip is string => typeof ip === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip));
}

/**
 * Whether the endpoint of this pod carries its hostname: the pod asked for `hostname` under
 * a subdomain that is this Service (what gives it a DNS name of its own).
 */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/**
 * The port a Service port reaches on this pod: a numeric targetPort as it is, a named one
 * looked up among the pod's container ports (and its sidecars': init containers that keep
 * running) by name and protocol. Undefined when the name matches no port of the pod, which
 * leaves the pod out of that port's endpoints.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  const protocol = port.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of container.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** Whether the Service is headless (clusterIP None): its endpoints are labelled so. */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** Upstream's label on the Endpoints and EndpointSlices of a headless Service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** The annotation saying when the change that led to this Endpoints/EndpointSlice content happened. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
