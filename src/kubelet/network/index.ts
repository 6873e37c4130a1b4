/**
 * The pod network, built into the kubelet (no CNI plugin): a bridge per node holding the
 * gateway address of the node's pod CIDR, a veth pair and an address per pod sandbox (IPAM on
 * disk), masquerade and hostPorts in the nftables table `ip skiff-net`, and host-gateway
 * routes to the other nodes' pod CIDRs. The runtime calls `PodNetwork` for every sandbox; the
 * kubelet runs `startNodeNetworkSync` over the Nodes.
 */
export { gatewayOf } from './bridge.ts';
export { NetworkCommandError, runNetworkCommand, type RunCommand } from './commands.ts';
export { HostGatewayRoutes, SKIFF_ROUTE_PROTOCOL } from './host-gateway.ts';
export { IpRangeExhaustedError } from './ipam.ts';
export { startNodeNetworkSync } from './node-network.ts';
export { NetworkNotReadyError, PodNetwork, type PodNetworkOptions } from './pod-network.ts';
export { podPortMappings } from './port-mappings.ts';
