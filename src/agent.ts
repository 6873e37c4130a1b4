/**
 * The node as a library: `startAgent` brings up what `skiff agent` runs on a node — the kubelet
 * (pods, containers, the pod network), the Service proxy and the cluster DNS server — against
 * the cluster a kubeconfig names. `skiff up` and `skiff server` run the same thing beside their
 * control plane. Stopping the agent leaves the containers running, as upstream's kubelet does.
 */
import { startClusterDns } from './dns/index.ts';
import { startKubelet, type KubeletOptions } from './kubelet/index.ts';
import { startProxy } from './proxy/index.ts';

/** The kubelet's options; the proxy and DNS take the node name, cluster CIDR and domain from them. */
export type AgentOptions = KubeletOptions;

export interface RunningAgent {
  nodeName: string;
  /** Stops the node's components in reverse order of start. */
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const kubelet = await startKubelet(options);
    stops.push(() => kubelet.stop());
    const { nodeName } = kubelet;
    // Services first: pods find the cluster DNS through its ClusterIP, which the proxy programs.
    const proxy = await startProxy({ kubeconfigPath: options.kubeconfigPath, nodeName, clusterCIDR: options.network?.clusterCidr, log: options.log });
    stops.push(() => proxy.stop());
    const dns = await startClusterDns({ kubeconfigPath: options.kubeconfigPath, nodeName, clusterDomain: options.clusterDomain, log: options.log });
    stops.push(() => dns.stop());
    return { nodeName, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
