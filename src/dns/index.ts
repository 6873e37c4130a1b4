/**
 * Cluster DNS: a DNS server on every node that answers for the cluster domain from Services
 * and EndpointSlices (the names CoreDNS's kubernetes plugin gives) and forwards the rest to
 * the node's resolvers, reached by pods through the kube-dns Service.
 */
export { startClusterDns, gatewayAddress, type ClusterDnsOptions, type RunningClusterDns } from './cluster-dns.ts';
export { DNS_MANAGER, DNS_NAMESPACE, DNS_SERVICE_NAME, dnsEndpointSliceName } from './endpoint-slice-publisher.ts';
export type { DnsEndpoint } from './exchange.ts';
