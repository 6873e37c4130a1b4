/**
 * The subsets of a Service's core/v1 Endpoints, computed from the Service and the pods it
 * selects (pure: the Endpoints controller's decision). Every pod that belongs is an address,
 * ready or not ready, under each Service port that resolves on it; addresses offering the same
 * ports are then packed into one subset, as upstream's RepackSubsets does, and everything is
 * sorted so that the same input always gives the same output (a no-op sync writes nothing).
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isPodReady } from './pod-util.ts';
import { findPort, isHeadless, podIPv4, shouldPodBeInEndpoints, shouldSetHostname } from './service-pods.ts';

/** The address of `pod` in the Endpoints of `svc`. */
export function podToEndpointAddress(pod: Pod, svc: Service): EndpointAddress {
  const m = pod.metadata ?? {};
  const address: EndpointAddress = {
    ip: podIPv4(pod) ?? pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip ?? '',
    targetRef: { kind: 'Pod', namespace: m.namespace, name: m.name, uid: m.uid },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) address.hostname = pod.spec!.hostname;
  return address;
}

/**
 * The Endpoints subsets of `svc` given its selected `pods`. Pods without an IP, finished pods
 * and (unless the Service publishes not-ready addresses) terminating pods are left out; a pod
 * is ready when its Ready condition is True or the Service publishes not-ready addresses.
 */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses ?? false;
  const entries: { address: EndpointAddress; ready: boolean; port?: EndpointPort }[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podToEndpointAddress(pod, svc);
    const ready = publishNotReady || isPodReady(pod);
    const servicePorts = svc.spec?.ports ?? [];
    // A headless Service without ports still lists its pods, with no ports.
    if (servicePorts.length === 0 && isHeadless(svc)) entries.push({ address, ready });
    for (const sp of servicePorts) {
      const portNumber = findPort(pod, sp);
      if (portNumber === undefined) continue;
      const port: EndpointPort = { port: portNumber, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) port.name = sp.name;
      if (sp.appProtocol) port.appProtocol = sp.appProtocol;
      entries.push({ address, ready, port });
    }
  }
  return repack(entries);
}

/** Groups addresses by the exact set of ports they offer: one subset per distinct set. */
function repack(entries: { address: EndpointAddress; ready: boolean; port?: EndpointPort }[]): EndpointSubset[] {
  // port → the addresses offering it
  const byPort = new Map<string, { port?: EndpointPort; addresses: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const e of entries) {
    const pk = e.port ? portKey(e.port) : '';
    let group = byPort.get(pk);
    if (!group) byPort.set(pk, (group = { port: e.port, addresses: new Map() }));
    group.addresses.set(addressKey(e.address), { address: e.address, ready: e.ready });
  }
  // address set → the ports it offers
  const bySet = new Map<string, { ports: EndpointPort[]; addresses: { address: EndpointAddress; ready: boolean }[] }>();
  for (const { port, addresses } of byPort.values()) {
    // Sorted by the keys they are filed under (each computed once, not per comparison).
    const sorted = [...addresses].sort((a, b) => compare(a[0], b[0]));
    const sk = JSON.stringify(sorted.map(([key, a]) => [key, a.ready]));
    let subset = bySet.get(sk);
    if (!subset) bySet.set(sk, (subset = { ports: [], addresses: sorted.map(([, a]) => a) }));
    if (port) subset.ports.push(port);
  }
  const subsets = [...bySet.values()].map(({ ports, addresses }) => {
    const subset: EndpointSubset = {};
    const ready = addresses.filter((a) => a.ready).map((a) => a.address);
    const notReady = addresses.filter((a) => !a.ready).map((a) => a.address);
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (ports.length) subset.ports = ports.sort((a, b) => compare(portKey(a), portKey(b)));
    return subset;
  });
  return subsets.sort((a, b) => compare(subsetKey(a), subsetKey(b)));
}

/** Upstream's limit on the addresses of one Endpoints object; EndpointSlices have no such limit. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;

/**
 * Cuts subsets down to at most `max` addresses, as upstream does for Services too big for one
 * Endpoints object: ready addresses are kept before not-ready ones, and each subset keeps a
 * share of what is kept proportional to its size (rounded up, so the last ones may get less).
 * Returns undefined when nothing had to be cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_ADDRESSES): EndpointSubset[] | undefined {
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (ready + notReady <= max) return undefined;
  // Too many ready addresses: only ready ones are kept; otherwise all of them, and not-ready ones fill the rest.
  const cutReady = ready > max;
  const room = cutReady ? max : max - ready;
  const pool = cutReady ? ready : notReady;
  let left = room;
  return subsets.map((s) => {
    const list = (cutReady ? s.addresses : s.notReadyAddresses) ?? [];
    const keep = Math.min(Math.ceil((list.length / pool) * room), left);
    left -= keep;
    const next: EndpointSubset = { ...s };
    const kept = list.slice(0, keep);
    if (cutReady) {
      delete next.notReadyAddresses;
      if (kept.length) next.addresses = kept;
      else delete next.addresses;
    } else if (kept.length) next.notReadyAddresses = kept;
    else delete next.notReadyAddresses;
    return next;
  }).filter((s) => s.addresses?.length || s.notReadyAddresses?.length);
}

function portKey(p: EndpointPort): string {
  return JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']);
}

/** Sorts addresses by IP (numerically for IPv4), then by the pod they point at. */
function addressKey(a: EndpointAddress): string {
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(a.ip) ? a.ip.split('.').map((o) => o.padStart(3, '0')).join('.') : a.ip;
  return `${ip}|${a.targetRef?.uid ?? ''}`;
}

function subsetKey(s: EndpointSubset): string {
  return JSON.stringify([(s.addresses ?? []).map(addressKey), (s.notReadyAddresses ?? []).map(addressKey), (s.ports ?? []).map(portKey)]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
