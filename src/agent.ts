/**
 * The node as a library: `startAgent` brings up what `skiff agent` runs on a node — the kubelet
 * (pods, containers, the pod network), the Service proxy and the cluster DNS server — against
 * the cluster a kubeconfig names. `skiff up` and `skiff server` run the same thing beside their
 * control plane. Stopping the agent leaves the containers running, as upstream's kubelet does.
 */
import { startKubelet, type KubeletOptions } from './kubelet/index.ts';

/** Everything the kubelet takes; the proxy and DNS derive theirs from it. */
export type AgentOptions = KubeletOptions;

export interface RunningAgent {
  nodeName: string;
  /** Stops the node's components in reverse order of start. */
  stop(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const kubelet = await startKubelet(options);
  const stops: (() => Promise<void>)[] = [() => kubelet.stop()];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  return { nodeName: kubelet.nodeName, stop };
}
