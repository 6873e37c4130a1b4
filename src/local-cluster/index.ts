/**
 * Local multi-node clusters: a control plane and N hosts (network namespaces on a bridge, each
 * running `skiff agent`) on one machine, for `skiff cluster up|down` and the multi-node tests.
 */
export { LocalCluster, sweepStaleClusters, type ClusterState, type HostRecord, type LocalClusterOptions } from './local-cluster.ts';
