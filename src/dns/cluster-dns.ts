/**
 * A node's cluster DNS server, started by the agent: it watches Services, EndpointSlices and
 * Namespaces, answers for the cluster domain, forwards the rest to the node's resolvers, and
 * publishes its own EndpointSlice behind the kube-dns Service. By default it listens on the
 * node's pod gateway (the first address of node.spec.podCIDR), port 53, which exists only once
 * the pod network has made the bridge: until then binding is retried.
 */
import type { Namespace, Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { InformerFactory, RestClient } from '../client/index.ts';
import { formatIpv4, parseCidr } from '../kubelet/network/ipv4.ts';
import { CacheClusterView } from './cluster-view.ts';
import { listenDns, type DnsServer } from './dns-server.ts';
import { DnsEndpointSlicePublisher } from './endpoint-slice-publisher.ts';
import type { DnsEndpoint } from './exchange.ts';
import { Forwarder } from './forwarder.ts';
import { hostResolvers } from './host-resolvers.ts';
import { ListenAbortedError, listenWhenAddressExists } from './listen-retry.ts';
import { createQueryHandler } from './query-handler.ts';

const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const NODES = findResource('', 'v1', 'nodes')!;

/** How to run a node's cluster DNS server; every default is the agent's. */
export interface ClusterDnsOptions {
  /** The API server to watch, by kubeconfig; or `client` (which stop() leaves open). */
  kubeconfigPath?: string;
  client?: RestClient;
  /**
   * Informers to share with the node's other components (the proxy watches Services and
   * EndpointSlices too); their owner starts and stops them. Default: a factory of its own.
   */
  informers?: InformerFactory;
  /** This node: its podCIDR gives the default listen address, and it owns the published slice. */
  nodeName: string;
  /** Default "cluster.local". */
  clusterDomain?: string;
  /** Default: the first address of the node's podCIDR, port 53. */
  listen?: DnsEndpoint;
  /** Default: the nameservers of the node's resolv.conf (see {@link hostResolvers}). */
  upstreams?: DnsEndpoint[];
  /** The node's resolver file, for the default upstreams. Default /etc/resolv.conf. */
  resolvConfPath?: string;
  /** TTL of cluster answers. Default 5 s. */
  ttl?: number;
  log?: (line: string) => void;
}

/** A started cluster DNS server. */
export interface RunningClusterDns {
  /** Where the server listens, once it does. Rejects only if binding fails for a reason retrying cannot fix. */
  listening: Promise<DnsEndpoint>;
  /** Closes the sockets, deletes the node's EndpointSlice and stops watching. */
  stop(): Promise<void>;
}

/** The pod gateway of a podCIDR: its first address. */
export function gatewayAddress(podCIDR: string): string {
  return formatIpv4(parseCidr(podCIDR).network + 1);
}

/**
 * Starts watching the cluster and, once the listen address is known and bindable, serving DNS
 * on it and publishing it. Resolves at once; `listening` says when the sockets are up.
 */
export async function startClusterDns(options: ClusterDnsOptions): Promise<RunningClusterDns> {
  const log = options.log ?? (() => {});
  const client = options.client ?? (await RestClient.fromKubeconfig(options.kubeconfigPath!));
  const zone = options.clusterDomain ?? 'cluster.local';
  const factory = options.informers ?? new InformerFactory(client, { log });
  const services = factory.informerFor<Service>(SERVICES);
  const slices = factory.informerFor<EndpointSlice>(SLICES);
  const namespaces = factory.informerFor<Namespace>(NAMESPACES);
  const nodes = factory.informerFor<Node>(NODES, { fieldSelector: `metadata.name=${options.nodeName}` });
  const view = new CacheClusterView({
    services: services.cache,
    endpointSlices: slices.cache,
    namespaces: namespaces.cache,
    hasSynced: () => services.hasSynced() && slices.hasSynced() && namespaces.hasSynced(),
  });
  const changed = () => view.noteChange();
  for (const informer of [services, slices, namespaces] as const) informer.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });

  const publisher = new DnsEndpointSlicePublisher({ client, nodeName: options.nodeName, log });
  let podCIDRKnown: (cidr: string) => void;
  const podCIDR = new Promise<string>((resolve) => (podCIDRKnown = resolve));
  const onNode = (node: Node) => {
    publisher.setTarget(node, undefined);
    const cidr = node.spec?.podCIDR || node.spec?.podCIDRs?.[0];
    if (cidr) podCIDRKnown(cidr);
  };
  nodes.addEventHandler({ onAdd: onNode, onUpdate: (_old, node) => onNode(node) });
  if (!options.informers) factory.start();
  publisher.start();

  const stopping = new AbortController();
  let server: DnsServer | undefined;
  const listening = (async (): Promise<DnsEndpoint> => {
    let endpoint = options.listen;
    if (!endpoint) {
      const cidr = await Promise.race([podCIDR, new Promise<never>((_, reject) => stopping.signal.addEventListener('abort', () => reject(new ListenAbortedError())))]);
      endpoint = { address: gatewayAddress(cidr), port: 53 };
    }
    const upstreams = options.upstreams ?? (await hostResolvers({ resolvConfPath: options.resolvConfPath, exclude: [endpoint.address] }));
    if (upstreams.length === 0) log('dns: no upstream nameservers found: names outside the cluster will fail (SERVFAIL)');
    const handler = createQueryHandler({ view, zone, ttl: options.ttl, forwarder: new Forwarder({ upstreams }), log });
    const bind = endpoint;
    server = await listenWhenAddressExists(() => listenDns(bind, handler, log), {
      signal: stopping.signal,
      onWait: () => log(`dns: ${bind.address} is not on this host yet (the pod network adds it): waiting to listen`),
    });
    // stop() closes it.
    if (stopping.signal.aborted) throw new ListenAbortedError();
    log(`dns: serving ${zone} on ${server.address.address}:${server.address.port}`);
    publisher.setTarget(undefined, server.address);
    return server.address;
  })();
  listening.catch((err) => {
    if (!stopping.signal.aborted) log(`dns: cannot listen: ${(err as Error).message}`);
  });

  return {
    listening,
    async stop() {
      stopping.abort();
      await listening.catch(() => undefined);
      await server?.close();
      await publisher.stop();
      if (!options.informers) factory.stop();
      if (!options.client) client.close();
    },
  };
}
