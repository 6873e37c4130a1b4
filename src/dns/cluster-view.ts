/**
 * The {@link ClusterView} the zone reads, over informer caches of Services, EndpointSlices and
 * Namespaces. It adds the indexes the zone's lookups need (slices by Service, Services and
 * slices by address) to the caches it is given, so lookups never scan the cluster.
 */
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { ObjectCache } from '../client/index.ts';
import type { ClusterView } from './cluster-zone.ts';

/** The label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const SLICE_SERVICE_INDEX = 'dns/service';
const SLICE_ADDRESS_INDEX = 'dns/address';
const SERVICE_ADDRESS_INDEX = 'dns/clusterIP';

/** The caches the view reads, and how to tell they are filled. */
export interface CacheClusterViewOptions {
  services: ObjectCache<Service>;
  endpointSlices: ObjectCache<EndpointSlice>;
  namespaces: ObjectCache<Namespace>;
  /** Whether every cache has been filled by its first list. */
  hasSynced: () => boolean;
  /** The cluster DNS Service, whose ClusterIPs `ns.dns.ZONE` names. Default kube-system/kube-dns. */
  dnsService?: { namespace: string; name: string };
}

/** The cluster as the DNS zone sees it, read from informer caches. */
export class CacheClusterView implements ClusterView {
  private lastChange = Date.now();

  constructor(private readonly o: CacheClusterViewOptions) {
    o.endpointSlices.addIndexer(SLICE_SERVICE_INDEX, (s) => {
      const service = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return service ? [`${s.metadata?.namespace}/${service}`] : [];
    });
    o.endpointSlices.addIndexer(SLICE_ADDRESS_INDEX, (s) => [...new Set((s.endpoints ?? []).flatMap((e) => e.addresses ?? []))]);
    o.services.addIndexer(SERVICE_ADDRESS_INDEX, (s) => (s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])).filter((ip) => ip !== 'None'));
  }

  /** Records that an object changed (the SOA serial follows, in seconds as CoreDNS's). */
  noteChange(now = Date.now()): void {
    this.lastChange = now;
  }

  hasSynced(): boolean {
    return this.o.hasSynced();
  }

  namespaceExists(namespace: string): boolean {
    return this.o.namespaces.getByName(undefined, namespace) !== undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.o.services.getByName(namespace, name);
  }

  endpointSlices(namespace: string, service: string): EndpointSlice[] {
    return this.o.endpointSlices.byIndex(SLICE_SERVICE_INDEX, `${namespace}/${service}`);
  }

  ownersOfAddress(ip: string): { services: Service[]; endpoints: Array<{ slice: EndpointSlice; hostname?: string }> } {
    const services = this.o.services.byIndex(SERVICE_ADDRESS_INDEX, ip).filter((s) => s.spec?.type !== 'ExternalName');
    const endpoints = this.o.endpointSlices
      .byIndex(SLICE_ADDRESS_INDEX, ip)
      .filter((slice) => slice.metadata?.labels?.[SERVICE_NAME_LABEL])
      .flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.addresses?.includes(ip) && e.conditions?.ready !== false).map((e) => ({ slice, hostname: e.hostname })));
    return { services, endpoints };
  }

  nameserverAddresses(): string[] {
    const { namespace, name } = this.o.dnsService ?? { namespace: 'kube-system', name: 'kube-dns' };
    const spec = this.o.services.getByName(namespace, name)?.spec;
    return (spec?.clusterIPs ?? (spec?.clusterIP ? [spec.clusterIP] : [])).filter((ip) => ip.includes('.'));
  }

  serial(): number {
    return Math.floor(this.lastChange / 1000);
  }
}
