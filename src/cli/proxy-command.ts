/**
 * `skiff proxy`: the Service proxy alone, against the cluster a kubeconfig names, programming
 * this host's nftables (table `ip skiff-proxy`) until SIGINT or SIGTERM. The rules stay when it
 * stops, so Services keep working across a restart.
 */
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { runComponent } from './component.ts';
import { defaultDataDir } from './data-dir.ts';

export interface ProxyFlags {
  kubeconfig: string;
  nodeName?: string;
  nodeIp?: string[];
  clusterCidr: string;
}

/** Adds `proxy` to the program. */
export function registerProxyCommand(program: Command): void {
  program
    .command('proxy')
    .description('the Service proxy alone, against the cluster --kubeconfig names')
    .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
    .option('--node-name <name>', 'name of this Node, for internalTrafficPolicy Local (default: the host name)')
    .option('--node-ip <ip>', "an address node ports are served on, repeatable (default: the Node's InternalIPs)", (ip: string, all: string[] = []) => [...all, ip])
    .option('--cluster-cidr <cidr>', 'the pod network; traffic from outside it to a Service is masqueraded', '10.42.0.0/16')
    .action((flags: ProxyFlags) => runProxy(flags));
}

/** Runs the proxy until SIGINT or SIGTERM. */
export async function runProxy(flags: ProxyFlags): Promise<void> {
  const nodeName = flags.nodeName ?? hostname().toLowerCase();
  await runComponent({
    kubeconfig: flags.kubeconfig,
    start: async (log) => (await import('../proxy/index.ts')).startProxy({ kubeconfigPath: flags.kubeconfig, nodeName, nodeIPs: flags.nodeIp, clusterCIDR: flags.clusterCidr, log }),
    started: (proxy) => `Skiff proxy started for node ${nodeName} (node ports on ${proxy.nodePortAddresses.join(', ')}) against the cluster in ${flags.kubeconfig}`,
  });
}
