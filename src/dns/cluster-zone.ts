/**
 * Answers questions about the cluster domain from the cluster's objects, as CoreDNS's
 * kubernetes plugin (with `pods insecure`) does:
 * - `svc.ns.svc.ZONE`: A → the ClusterIP; headless → every ready endpoint address;
 *   ExternalName → a CNAME to the external name.
 * - `_port._proto.svc.ns.svc.ZONE`: SRV per matching named port (headless: per endpoint,
 *   target `hostname.svc.ns.svc.ZONE`), the targets' addresses as additional records.
 * - `hostname.svc.ns.svc.ZONE`: the endpoint with that hostname (or dashed IP).
 * - `a-b-c-d.ns.pod.ZONE` → a.b.c.d, for any existing namespace.
 * - `ns.dns.ZONE` → the DNS Service's addresses; `dns-version.ZONE` TXT → the schema version;
 *   SOA and NS at the apex; PTR for ClusterIPs and endpoint addresses.
 * A name that cannot exist gets NXDOMAIN; one that exists without records of the asked type
 * gets NOERROR and no answer; both carry the zone's SOA in the authority section. Before the
 * caches have synced, NXDOMAIN would be a lie, so the answer is SERVFAIL.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { CLASS_IN, RCode, RRType, type Question, type ResourceRecord } from './message.ts';

/** What the zone reads: a consistent view of the cluster's Services, EndpointSlices and namespaces. */
export interface ClusterView {
  hasSynced(): boolean;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): Service | undefined;
  /** The slices labelled with this Service's name. */
  endpointSlices(namespace: string, service: string): EndpointSlice[];
  /** Every Service whose ClusterIPs include `ip`, and every slice endpoint with address `ip`. */
  ownersOfAddress(ip: string): { services: Service[]; endpoints: Array<{ slice: EndpointSlice; hostname?: string }> };
  /** The addresses the zone's nameserver `ns.dns.ZONE` resolves to (the DNS Service's ClusterIPs). */
  nameserverAddresses(): string[];
  /** Changes whenever the view does: the SOA serial. */
  serial(): number;
}

/** The zone served and its TTL. */
export interface ZoneOptions {
  /** The cluster domain, e.g. "cluster.local". */
  zone: string;
  /** TTL of answers. Default 5 s, as CoreDNS's kubernetes plugin. */
  ttl?: number;
}

/** An answer from the zone: the response code and its sections. */
export interface ZoneAnswer {
  rcode: number;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

/** The version of the Kubernetes DNS specification this server follows (`dns-version` TXT). */
export const DNS_SCHEMA_VERSION = '1.1.0';

const SOA_TTL = 30;
const DNS_VERSION_TTL = 28800;

/** One thing a name stands for: an address (with the port and target an SRV would use) or an external name. */
interface Target {
  host: string;
  external: boolean;
  port?: number;
  /** The name an SRV record points at, its address record named the same. */
  name: string;
}

class NameError {}
const NAME_ERROR = new NameError();

function lower(s: string): string {
  return s.toLowerCase();
}

/** The part of `name` below `zone` ("" for the apex), or undefined when it is not in the zone. */
function relativeName(name: string, zone: string): string | undefined {
  const n = lower(name).replace(/\.$/, '');
  const z = lower(zone).replace(/\.$/, '');
  if (n === z) return '';
  return n.endsWith(`.${z}`) ? n.slice(0, -z.length - 1) : undefined;
}

function dashedIPv4(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map(Number).join('.');
}

function isReady(ready: boolean | undefined): boolean {
  // An endpoint with no ready condition is taken as ready, as the EndpointSlice API says.
  return ready !== false;
}

/** An endpoint's DNS label: its hostname, or its address with dashes. */
function endpointLabel(address: string, hostname: string | undefined): string {
  return hostname || address.replace(/[.:]/g, '-');
}

/** Port and protocol from the query match when given, and always when not. */
function portMatches(wantPort: string | undefined, wantProto: string | undefined, name: string | undefined, protocol: string | undefined): boolean {
  return (wantPort === undefined || wantPort === lower(name ?? '')) && (wantProto === undefined || wantProto === lower(protocol ?? 'TCP'));
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

/**
 * What `relative` (a name under the zone) stands for: targets, or NAME_ERROR when no such
 * name exists. An empty list means the name exists with nothing to say (NODATA).
 */
function lookup(relative: string, view: ClusterView, zone: string): Target[] | NameError {
  if (relative === '' || relative === 'svc' || relative === 'pod') return [];
  const segs = relative.split('.');
  const kind = segs.pop();
  if (kind !== 'svc' && kind !== 'pod') return NAME_ERROR;
  const namespace = segs.pop()!;
  if (!view.namespaceExists(namespace)) return NAME_ERROR;
  if (segs.length === 0) return [];
  const name = segs.pop()!;
  if (kind === 'pod') {
    const ip = segs.length === 0 ? dashedIPv4(name) : undefined;
    return ip ? [{ host: ip, external: false, name: `${name}.${namespace}.pod.${zone}` }] : NAME_ERROR;
  }
  let endpoint: string | undefined;
  let port: string | undefined;
  let proto: string | undefined;
  if (segs.length === 1) endpoint = segs[0];
  else if (segs.length === 2) [port, proto] = [stripUnderscore(segs[0]), stripUnderscore(segs[1])];
  else if (segs.length > 2) return NAME_ERROR;

  const svc = view.service(namespace, name);
  if (!svc) return NAME_ERROR;
  const serviceName = `${name}.${namespace}.svc.${zone}`;
  const spec = svc.spec ?? {};
  const targets: Target[] = [];
  if (spec.type === 'ExternalName') {
    if (endpoint === undefined && spec.externalName) targets.push({ host: lower(spec.externalName).replace(/\.$/, ''), external: true, name: serviceName });
  } else if (spec.clusterIP === 'None' || endpoint !== undefined) {
    for (const slice of view.endpointSlices(namespace, name)) {
      if (slice.addressType && slice.addressType !== 'IPv4') continue;
      // A slice without ports still names its endpoints' addresses (CoreDNS's port -1 sentinel).
      const ports = slice.ports?.length ? slice.ports : [{ name: undefined, protocol: undefined, port: undefined }];
      for (const ep of slice.endpoints) {
        if (!isReady(ep.conditions?.ready)) continue;
        for (const address of ep.addresses) {
          const label = endpointLabel(address, ep.hostname);
          if (endpoint !== undefined && label !== endpoint) continue;
          for (const p of ports) {
            if (!portMatches(port, proto, p.name ?? undefined, p.protocol ?? undefined)) continue;
            targets.push({ host: address, external: false, port: p.port ?? undefined, name: `${label}.${serviceName}` });
          }
        }
      }
    }
  } else {
    for (const p of spec.ports ?? []) {
      if (!portMatches(port, proto, p.name, p.protocol)) continue;
      for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) {
        if (ip.includes('.')) targets.push({ host: ip, external: false, port: p.port, name: serviceName });
      }
    }
  }
  return targets.length ? targets : NAME_ERROR;
}

function record(name: string, type: number, ttl: number, data: ResourceRecord['data']): ResourceRecord {
  return { name, type, class: CLASS_IN, ttl, data };
}

/** The zone's SOA record (also the authority of every negative answer). */
export function soaRecord(zone: string, serial: number): ResourceRecord {
  return record(zone, RRType.SOA, SOA_TTL, { kind: 'soa', mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: SOA_TTL });
}

function addressRecords(qname: string, targets: Target[], ttl: number): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.host)) continue;
    seen.add(t.host);
    out.push(t.external ? record(qname, RRType.CNAME, ttl, { kind: 'name', target: t.host }) : record(qname, RRType.A, ttl, { kind: 'address', address: t.host }));
  }
  return out;
}

function srvRecords(qname: string, targets: Target[], ttl: number): { answers: ResourceRecord[]; additionals: ResourceRecord[] } {
  const internal = targets.filter((t) => !t.external && t.port !== undefined);
  const seen = new Set<string>();
  const unique = internal.filter((t) => {
    const key = `${t.name}|${t.host}|${t.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Equal shares of 100 (CoreDNS's weights): one target 100, two 50 each, three 33.
  const weight = unique.length ? Math.floor(100 / unique.length) : 0;
  const answers = unique.map((t) => record(qname, RRType.SRV, ttl, { kind: 'srv', priority: 0, weight, port: t.port!, target: t.name }));
  const extra = new Set<string>();
  const additionals = unique.flatMap((t) => {
    const key = `${t.name}|${t.host}`;
    if (extra.has(key)) return [];
    extra.add(key);
    return [record(t.name, RRType.A, ttl, { kind: 'address', address: t.host })];
  });
  return { answers, additionals };
}

/** The in-addr.arpa name's IPv4 address, if it is a full one. */
function reverseAddress(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m || m.slice(1).some((p) => Number(p) > 255)) return undefined;
  return m.slice(1).reverse().map(Number).join('.');
}

function reverseAnswer(q: Question, view: ClusterView, zone: string, ttl: number): ZoneAnswer | undefined {
  const ip = q.type === RRType.PTR ? reverseAddress(q.name) : undefined;
  if (!ip) return undefined;
  const { services, endpoints } = view.ownersOfAddress(ip);
  const names = [
    ...services.map((s) => `${s.metadata?.name}.${s.metadata?.namespace}.svc.${zone}`),
    ...endpoints.map(({ slice, hostname }) => `${endpointLabel(ip, hostname)}.${slice.metadata?.labels?.['kubernetes.io/service-name']}.${slice.metadata?.namespace}.svc.${zone}`),
  ];
  if (!names.length) return undefined;
  return { rcode: RCode.NoError, answers: [...new Set(names)].map((n) => record(q.name, RRType.PTR, ttl, { kind: 'name', target: n })), authorities: [], additionals: [] };
}

/**
 * The answer to `q` from the cluster, or undefined when the name is not the cluster's to
 * answer (outside the zone, or a reverse name of no cluster address): forward it.
 */
export function answerFromCluster(q: Question, view: ClusterView, options: ZoneOptions): ZoneAnswer | undefined {
  const zone = lower(options.zone).replace(/\.$/, '');
  const ttl = options.ttl ?? 5;
  const relative = relativeName(q.name, zone);
  if (relative === undefined) return reverseAnswer(q, view, zone, ttl);
  const negative = (rcode: number): ZoneAnswer => ({
    rcode: rcode === RCode.NXDomain && !view.hasSynced() ? RCode.ServFail : rcode,
    answers: [],
    authorities: [soaRecord(zone, view.serial())],
    additionals: [],
  });
  const positive = (answers: ResourceRecord[], additionals: ResourceRecord[] = []): ZoneAnswer =>
    answers.length ? { rcode: RCode.NoError, answers, authorities: [], additionals } : negative(RCode.NoError);

  if (relative === 'ns.dns') {
    return positive(q.type === RRType.A ? view.nameserverAddresses().map((ip) => record(q.name, RRType.A, ttl, { kind: 'address', address: ip })) : []);
  }
  if (relative === 'dns-version' && q.type === RRType.TXT) return positive([record(q.name, RRType.TXT, DNS_VERSION_TTL, { kind: 'txt', strings: [DNS_SCHEMA_VERSION] })]);
  if (relative === '' && q.type === RRType.SOA) return positive([soaRecord(zone, view.serial())]);
  if (relative === '' && q.type === RRType.NS) {
    const ns = `ns.dns.${zone}`;
    return positive([record(q.name, RRType.NS, ttl, { kind: 'name', target: ns })], view.nameserverAddresses().map((ip) => record(ns, RRType.A, ttl, { kind: 'address', address: ip })));
  }

  const targets = lookup(relative, view, zone);
  if (targets instanceof NameError) return negative(RCode.NXDomain);
  switch (q.type) {
    case RRType.A:
      return positive(addressRecords(q.name, targets, ttl));
    case RRType.AAAA:
    case RRType.CNAME:
      return positive(addressRecords(q.name, targets.filter((t) => t.external), ttl));
    case RRType.SRV: {
      const { answers, additionals } = srvRecords(q.name, targets, ttl);
      return positive(answers, additionals);
    }
    default:
      return negative(RCode.NoError);
  }
}
