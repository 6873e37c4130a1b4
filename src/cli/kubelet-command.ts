/**
 * `skiff kubelet`: the node agent against the cluster a kubeconfig names, in
 * the foreground until SIGINT or SIGTERM (its containers keep running after it stops). Also
 * the in-process agent `skiff up` and `skiff server` start beside their control plane.
 */
import { Command, InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import type { RunningAgent } from '../agent.ts';
import type { KubeletOptions } from '../kubelet/index.ts';
import { KubeletPreflightError } from '../kubelet/preflight-error.ts';
import { runComponent } from './component.ts';
import { defaultDataDir } from './data-dir.ts';
import { parseCidrFlag, parseIpv4Flag } from './server-command.ts';

export interface KubeletFlags {
  kubeconfig: string;
  nodeName?: string;
  dataDir: string;
  runtime?: 'runc' | 'crun';
  nodeIp?: string;
  kubeletPort: number;
  systemReserved?: Record<string, string>;
  kubeReserved?: Record<string, string>;
  /** The cluster's pod range: traffic inside it is pod to pod (not masqueraded). */
  clusterCidr: string;
  /** The kube-dns Service's ClusterIP: the pods' nameserver. */
  clusterDns: string;
}

function parseRuntime(text: string): 'runc' | 'crun' {
  if (text !== 'runc' && text !== 'crun') throw new InvalidArgumentError('expected runc or crun.');
  return text;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return n;
}

/** "cpu=500m,memory=1Gi" → { cpu: '500m', memory: '1Gi' }. */
function parseResourceList(text: string): Record<string, string> {
  const list: Record<string, string> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [name, value] = part.split('=', 2);
    if (!name || !value) throw new InvalidArgumentError('expected name=quantity pairs, e.g. cpu=500m,memory=1Gi.');
    list[name.trim()] = value.trim();
  }
  return list;
}

export function withKubeletFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
    .option('--node-name <name>', 'name of the Node (default: the host name)')
    .option('--data-dir <dir>', 'where the node keeps images, pods and logs (under DATA_DIR/agent)', defaultDataDir())
    .option('--runtime <name>', 'OCI runtime: crun or runc (default: crun, or runc on a cgroup v2-only node)', parseRuntime)
    .option('--node-ip <ip>', "the node's InternalIP (default: the first non-loopback IPv4 address)")
    .option('--kubelet-port <n>', "port of the kubelet's HTTPS server (logs, exec, port-forward)", parsePort, 10250)
    .option('--system-reserved <list>', 'resources held back for the system, e.g. cpu=500m,memory=1Gi', parseResourceList)
    .option('--kube-reserved <list>', 'resources held back for Kubernetes daemons, e.g. memory=512Mi', parseResourceList)
    .option('--cluster-cidr <cidr>', "the cluster's pod range (as the server's --cluster-cidr)", parseCidrFlag, '10.42.0.0/16')
    .option('--cluster-dns <ip>', "the pods' nameserver: the kube-dns Service's ClusterIP (as the server's --cluster-dns)", parseIpv4Flag, '10.43.0.10');
}

/** Adds `kubelet` to the program (`agent` is agent-command.ts's). */
export function registerKubeletCommands(program: Command): void {
  withKubeletFlags(program.command('kubelet').description('the node agent alone, against the cluster --kubeconfig names')).action((flags: KubeletFlags) => runKubelet(flags));
}

/** The kubelet options the flags say, with rootDir DATA_DIR/agent. */
export function kubeletOptions(flags: KubeletFlags, log: (line: string) => void): KubeletOptions {
  return {
    kubeconfigPath: flags.kubeconfig,
    nodeName: flags.nodeName,
    rootDir: join(flags.dataDir, 'agent'),
    runtime: flags.runtime,
    nodeIP: flags.nodeIp,
    kubeletPort: flags.kubeletPort,
    reserved: { system: flags.systemReserved, kube: flags.kubeReserved },
    network: { clusterCidr: flags.clusterCidr },
    clusterDNS: [flags.clusterDns],
    log,
  };
}

/** The in-process node of `skiff up` / `skiff server`: the admin kubeconfig, DATA_DIR/agent, a server node. Failures say why in one line. */
/** The node flags `skiff up` and `skiff server` take for their in-process agent. */
export interface ServerAgentFlags {
  dataDir: string;
  nodeName?: string;
  nodeIp?: string;
  kubeletPort: number;
  runtime?: 'runc' | 'crun';
  clusterCidr: string;
  serviceCidr: string;
  clusterDns?: string;
}

/** Adds the in-process agent's flags to `up` / `server`. */
export function withServerAgentFlags(cmd: Command): Command {
  return cmd
    .option('--node-name <name>', 'name of the Node (default: the host name)')
    .option('--node-ip <ip>', "the node's InternalIP (default: the first non-loopback IPv4 address)")
    .option('--kubelet-port <n>', "port of the kubelet's HTTPS server (logs, exec, port-forward)", parsePort, 10250)
    .option('--runtime <name>', 'OCI runtime of the node: crun or runc (default: crun, or runc on a cgroup v2-only node)', parseRuntime);
}

export async function startServerAgent(flags: ServerAgentFlags, kubeconfigPath: string, log: (line: string) => void): Promise<RunningAgent> {
  try {
    const [{ startAgent }, { defaultClusterDNS }] = await Promise.all([import('../agent.ts'), import('../apiserver/start.ts')]);
    return await startAgent({
      kubeconfigPath,
      rootDir: join(flags.dataDir, 'agent'),
      isServer: true,
      nodeName: flags.nodeName,
      nodeIP: flags.nodeIp,
      kubeletPort: flags.kubeletPort,
      runtime: flags.runtime,
      network: { clusterCidr: flags.clusterCidr },
      clusterDNS: [flags.clusterDns ?? defaultClusterDNS(flags.serviceCidr)],
      log,
    });
  } catch (err) {
    throw new Error(kubeletStartError(err), { cause: err });
  }
}

/** The one-line reason a kubelet could not start. */
export function kubeletStartError(err: unknown): string {
  if (err instanceof KubeletPreflightError) return `the node agent cannot run here:\n${err.problems.map((p) => `  ${p}`).join('\n')}`;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return `the kubelet port is already in use: stop whatever listens there or pass --kubelet-port`;
  return e instanceof Error ? e.message : String(err);
}

async function runKubelet(flags: KubeletFlags): Promise<void> {
  await runComponent({
    kubeconfig: flags.kubeconfig,
    start: async (log) => (await import('../kubelet/index.ts')).startKubelet(kubeletOptions(flags, log)),
    explain: kubeletStartError,
    started: (kubelet) => `Skiff node ${kubelet.nodeName} running against the cluster in ${flags.kubeconfig}`,
    stopping: 'stopping (containers keep running)',
  });
}
