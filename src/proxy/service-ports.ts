/**
 * What the proxy serves, worked out from Services and EndpointSlices alone (no I/O): one
 * {@link ProxiedServicePort} per port of every proxied Service, with the virtual addresses it
 * answers on and the endpoints that may take its connections, as upstream's kube-proxy
 * chooses them (ready endpoints, or the serving terminating ones when none is ready;
 * internalTrafficPolicy/externalTrafficPolicy Local keep only this node's endpoints).
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Services carrying this label belong to another proxy, as upstream. */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

export type ProxyProtocol = 'tcp' | 'udp' | 'sctp';

/** One address:port a Service port's connections may be sent to. */
export interface ProxyEndpoint {
  ip: string;
  port: number;
}

export interface ProxiedServicePort {
  /** `namespace/name/protocol/portName` (the port number when the port has no name): unique. */
  id: string;
  protocol: ProxyProtocol;
  /** The Service's port number. */
  port: number;
  /** IPv4 cluster IPs. */
  clusterIPs: string[];
  /** spec.externalIPs and status.loadBalancer.ingress IPs: served like the cluster IP, but as external traffic. */
  externalIPs: string[];
  /** Set for NodePort and LoadBalancer Services. */
  nodePort?: number;
  /** sessionAffinity ClientIP: how long a client sticks to its endpoint. */
  affinityTimeoutSeconds?: number;
  /** Where traffic to the cluster IPs goes (internalTrafficPolicy applied), sorted. */
  clusterEndpoints: ProxyEndpoint[];
  /** Where traffic to the node port and external IPs goes (externalTrafficPolicy applied), sorted. */
  externalEndpoints: ProxyEndpoint[];
}

const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether the proxy programs anything for this Service. */
export function isProxied(svc: Service): boolean {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return false;
  if (!spec.clusterIP || spec.clusterIP === 'None') return false;
  return !svc.metadata?.labels?.[SERVICE_PROXY_NAME_LABEL];
}

/**
 * The ports the proxy serves for `services`, given every EndpointSlice it knows of and the
 * name of the node it runs on; sorted by id.
 */
export function proxiedServicePorts(services: Service[], slices: EndpointSlice[], nodeName: string): ProxiedServicePort[] {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const key = serviceKeyOfSlice(slice);
    if (key) slicesByService.set(key, [...(slicesByService.get(key) ?? []), slice]);
  }
  const result: ProxiedServicePort[] = [];
  for (const svc of services) result.push(...portsOfService(svc, slicesByService.get(serviceKeyOf(svc)) ?? [], nodeName));
  return result.sort(byId);
}

/** `namespace/name` of a Service (the informer cache's key). */
export function serviceKeyOf(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/** `namespace/name` of the Service an EndpointSlice belongs to, if it names one. */
export function serviceKeyOfSlice(slice: EndpointSlice): string | undefined {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service ? `${slice.metadata?.namespace ?? ''}/${service}` : undefined;
}

/**
 * The ports the proxy serves for one Service, given its EndpointSlices (those labelled with
 * its name); sorted by id. What {@link proxiedServicePorts} gives for the Service, computed
 * alone so that a sync recomputes only the Services that changed.
 */
export function portsOfService(svc: Service, slices: EndpointSlice[], nodeName: string): ProxiedServicePort[] {
  if (!isProxied(svc)) return [];
  const ipv4 = slices.filter((slice) => slice.addressType === 'IPv4');
  return servicePortsOf(svc, serviceKeyOf(svc), ipv4, nodeName).sort(byId);
}

function byId(a: ProxiedServicePort, b: ProxiedServicePort): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function servicePortsOf(svc: Service, key: string, slices: EndpointSlice[], nodeName: string): ProxiedServicePort[] {
  const spec = svc.spec!;
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP!]).filter((ip) => IPV4.test(ip));
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  const externalIPs = unique([...(spec.externalIPs ?? []), ...(spec.type === 'LoadBalancer' ? ingress : [])].filter((ip) => IPV4.test(ip)));
  const affinityTimeoutSeconds =
    spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS : undefined;
  const hasNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  return (spec.ports ?? []).map((sp) => {
    const protocol = (sp.protocol ?? 'TCP').toLowerCase() as ProxyProtocol;
    const portName = sp.name ?? '';
    const candidates = endpointsFor(slices, portName, sp.protocol ?? 'TCP');
    return {
      id: `${key}/${protocol}/${portName || sp.port}`,
      protocol,
      port: sp.port,
      clusterIPs,
      externalIPs,
      nodePort: hasNodePorts && sp.nodePort ? sp.nodePort : undefined,
      affinityTimeoutSeconds,
      clusterEndpoints: usable(candidates, spec.internalTrafficPolicy === 'Local' ? nodeName : undefined),
      externalEndpoints: usable(candidates, spec.externalTrafficPolicy === 'Local' ? nodeName : undefined),
    };
  });
}

interface Candidate extends ProxyEndpoint {
  nodeName?: string;
  ready: boolean;
  servingTerminating: boolean;
}

/** Every endpoint of the slices that has the Service port `portName`/`protocol`, once. */
function endpointsFor(slices: EndpointSlice[], portName: string, protocol: string): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (port?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip) continue;
      const candidate = { ip, port: port.port, nodeName: ep.nodeName, ...conditionsOf(ep) };
      const id = `${ip}:${port.port}`;
      const prior = seen.get(id);
      // The same address in two slices (mid-move between them): the readier copy wins.
      if (!prior || (!prior.ready && candidate.ready)) seen.set(id, candidate);
    }
  }
  return [...seen.values()];
}

/** Upstream's reading of the conditions: an unset ready means ready, an unset serving means ready. */
function conditionsOf(ep: Endpoint): { ready: boolean; servingTerminating: boolean } {
  const ready = ep.conditions?.ready ?? true;
  const serving = ep.conditions?.serving ?? ready;
  const terminating = ep.conditions?.terminating ?? false;
  return { ready, servingTerminating: serving && terminating };
}

/** The ready endpoints (on `localNode` only, when given), else the serving terminating ones; sorted. */
function usable(candidates: Candidate[], localNode: string | undefined): ProxyEndpoint[] {
  const eligible = localNode === undefined ? candidates : candidates.filter((c) => c.nodeName === localNode);
  let chosen = eligible.filter((c) => c.ready);
  if (chosen.length === 0) chosen = eligible.filter((c) => c.servingTerminating);
  return chosen.map(({ ip, port }) => ({ ip, port })).sort(compareEndpoints);
}

function compareEndpoints(a: ProxyEndpoint, b: ProxyEndpoint): number {
  const ka = a.ip.split('.').map(Number);
  const kb = b.ip.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return a.port - b.port;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
