/**
 * Discovery documents, built from the catalogue: the legacy `/api` (APIVersions), `/apis`
 * (APIGroupList) and `/api/v1`, `/apis/<g>/<v>` (APIResourceList) forms, and the aggregated
 * form (apidiscovery.k8s.io APIGroupDiscoveryList) that kubectl 1.32 asks for first and that
 * saves it one request per group version. Pure functions of the catalogue; the HTTP layer
 * picks the form with {@link negotiateDiscovery} and writes the Content-Type it returns.
 */
import { createHash } from 'node:crypto';
import { catalogue, groupVersions } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { apiVersionOf } from '../api/resource.ts';
import { parseAccept } from './negotiation.ts';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** What discovery says about one subresource: the kind it answers with and its verbs. */
export interface SubresourceInfo {
  kind: GroupVersionKind;
  verbs: string[];
}

const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];
const STREAM_VERBS = ['create', 'get'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/** Upstream's subresource facts: a subresource's kind may live in another group (Scale, Eviction). */
export function subresourceInfo(parent: ResourceInfo, subresource: string): SubresourceInfo {
  const own = (kind: string): GroupVersionKind => ({ group: parent.group, version: parent.version, kind });
  switch (subresource) {
    case 'status':
      return { kind: own(parent.kind), verbs: STATUS_VERBS };
    case 'scale':
      return { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: STATUS_VERBS };
    case 'binding':
      return { kind: own('Binding'), verbs: ['create'] };
    case 'eviction':
      return { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'log':
      return { kind: own(parent.kind), verbs: ['get'] };
    case 'exec':
      return { kind: own('PodExecOptions'), verbs: STREAM_VERBS };
    case 'attach':
      return { kind: own('PodAttachOptions'), verbs: STREAM_VERBS };
    case 'portforward':
      return { kind: own('PodPortForwardOptions'), verbs: STREAM_VERBS };
    case 'proxy':
      return { kind: own(`${parent.kind}ProxyOptions`), verbs: PROXY_VERBS };
    case 'finalize':
      return { kind: own(parent.kind), verbs: ['update'] };
    case 'token':
      return { kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
    default:
      throw new Error(`no discovery facts for subresource ${parent.plural}/${subresource}`);
  }
}

/** Resources that only take a create (reviews, bindings) are never stored and carry no storage hash. */
function isStored(r: ResourceInfo): boolean {
  return r.verbs.includes('get');
}

/**
 * Upstream's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind")
 * of the stored form. events.k8s.io Events are stored as core Events.
 */
function storageVersionHash(r: ResourceInfo): string {
  const stored = r.group === 'events.k8s.io' && r.kind === 'Event' ? '/v1/Event' : `${r.group}/${r.version}/${r.kind}`;
  return createHash('sha256').update(stored).digest().subarray(0, 8).toString('base64');
}

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return catalogue.filter((r) => r.group === group && r.version === version).sort((a, b) => compare(a.plural, b.plural));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- legacy documents ----

export interface ServerAddressOptions {
  /** `host:port` clients should use, published as serverAddressByClientCIDRs for 0.0.0.0/0. */
  serverAddress?: string;
}

/** `GET /api`: the core group's versions. */
export function apiVersions(options: ServerAddressOptions = {}): object {
  const doc: Record<string, unknown> = { kind: 'APIVersions', versions: ['v1'] };
  if (options.serverAddress) {
    doc.serverAddressByClientCIDRs = [{ clientCIDR: '0.0.0.0/0', serverAddress: options.serverAddress }];
  }
  return doc;
}

/** `GET /apis`: every named group with its versions, the first (preferred) one also as preferredVersion. */
export function apiGroupList(): object {
  const groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[] = [];
  for (const gv of groupVersions()) {
    if (gv.group === '') continue;
    const v = { groupVersion: apiVersionOf(gv), version: gv.version };
    const known = groups.find((g) => g.name === gv.group);
    if (known) known.versions.push(v);
    else groups.push({ name: gv.group, versions: [v], preferredVersion: v });
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/**
 * `GET /api/v1` or `/apis/<group>/<version>`: every resource and subresource of that group
 * version, sorted by name; undefined when the group version is not served (answer 404).
 */
export function apiResourceList(group: string, version: string): object | undefined {
  const resources = resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  const entries: Record<string, unknown>[] = [];
  for (const r of resources) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    if (isStored(r)) entry.storageVersionHash = storageVersionHash(r);
    entries.push(entry);
    for (const sub of r.subresources) {
      const info = subresourceInfo(r, sub);
      const subEntry: Record<string, unknown> = { name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced };
      if (info.kind.group !== r.group || info.kind.version !== r.version) {
        subEntry.group = info.kind.group;
        subEntry.version = info.kind.version;
      }
      subEntry.kind = info.kind.kind;
      subEntry.verbs = info.verbs;
      entries.push(subEntry);
    }
  }
  entries.sort((a, b) => compare(a.name as string, b.name as string));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources: entries };
}

// ---- aggregated documents ----

/** The apidiscovery.k8s.io versions served: v2, and v2beta1 for older clients. */
export type AggregatedVersion = 'v2' | 'v2beta1';

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) out.shortNames = r.shortNames;
  if (r.categories.length) out.categories = r.categories;
  if (r.subresources.length) {
    out.subresources = [...r.subresources].sort().map((sub) => {
      const info = subresourceInfo(r, sub);
      return { subresource: sub, responseKind: info.kind, verbs: info.verbs };
    });
  }
  return out;
}

function groupDiscovery(group: string): Record<string, unknown> {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ version: gv.version, resources: resourcesOf(gv.group, gv.version).map(aggregatedResource), freshness: 'Current' }));
  return { metadata: group ? { name: group } : {}, versions };
}

/**
 * The aggregated discovery document: for `/api` the core group alone, for `/apis` every
 * named group in discovery order. v2 and v2beta1 differ only in apiVersion.
 */
export function aggregatedDiscovery(root: 'api' | 'apis', version: AggregatedVersion = 'v2'): object {
  const groups = root === 'api' ? [''] : groupVersions().map((gv) => gv.group).filter((g, i, all) => g !== '' && all.indexOf(g) === i);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map(groupDiscovery),
  };
}

// ---- content negotiation ----

/** Which form of `/api` or `/apis` to answer with, and for the aggregated form its Content-Type. */
export type DiscoveryChoice =
  | { kind: 'aggregated'; version: AggregatedVersion; contentType: string }
  | { kind: 'legacy' };

const AGGREGATED_VERSIONS: readonly string[] = ['v2', 'v2beta1'];

/**
 * Reads the Accept header of a request for `/api` or `/apis`: the aggregated form when the
 * client's most preferred acceptable range names it (JSON only; protobuf ranges are passed
 * over), the legacy form otherwise. The returned contentType must be sent back verbatim:
 * clients recognise the aggregated body by its parameters.
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryChoice {
  for (const m of parseAccept(accept)) {
    const json = m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*';
    if (!json) continue;
    const { g, v, as } = m.params;
    if (g === undefined && as === undefined) return { kind: 'legacy' };
    if (g === 'apidiscovery.k8s.io' && as === 'APIGroupDiscoveryList' && AGGREGATED_VERSIONS.includes(v)) {
      const version = v as AggregatedVersion;
      return { kind: 'aggregated', version, contentType: `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList` };
    }
  }
  return { kind: 'legacy' };
}
