/**
 * The Service proxy: programs nftables on a node so that Service addresses (cluster IPs, node
 * ports, load-balancer and external IPs) reach the Services' ready endpoints. Pure parts:
 * service-ports.ts (what to serve), ruleset.ts (which chains and map elements), nft-script.ts
 * (the transaction that gets there), stale-flows.ts (which UDP flows to forget); proxier.ts
 * runs them against the API and the kernel.
 */
export { startProxy, type ProxyOptions, type RunningProxy, type SyncReport } from './proxier.ts';
export { DEFAULT_TABLE } from './nft-script.ts';
