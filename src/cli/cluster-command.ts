/**
 * `skiff cluster up --nodes N` and `skiff cluster down`: a multi-node cluster on this machine to
 * try things out — a control plane and N hosts, each a network namespace running its own
 * `skiff agent`, joined by token. `up` returns once every node runs, leaving them running in
 * the background, and prints the kubeconfig; `down` removes all of it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalCluster } from '../local-cluster/index.ts';
import { defaultDataDir } from './data-dir.ts';
import { parseSeconds } from './server-command.ts';

interface UpFlags {
  nodes: number;
  dataDir: string;
  images?: string;
  nodeMonitorGracePeriod?: number;
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
}

function parseNodeCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 250) throw new InvalidArgumentError('expected a number of nodes from 1 to 250.');
  return n;
}

const defaultClusterDir = () => join(defaultDataDir(), 'cluster');

/** Adds `cluster up` and `cluster down` to the program. */
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('a multi-node cluster on this machine (network namespaces), for trying things out');
  cluster
    .command('up')
    .description('start a control plane and --nodes hosts, each running its own agent')
    .option('--nodes <n>', 'how many hosts', parseNodeCount, 3)
    .option('--data-dir <dir>', 'where the cluster lives', defaultClusterDir())
    .option('--images <dir>', 'image tarballs to import on every host (e.g. from scripts/build-busybox-image.sh)')
    .option('--node-monitor-grace-period <seconds>', 'time without heartbeats before a node is marked NotReady', parseSeconds)
    .option('--default-not-ready-toleration-seconds <n>', 'how long new pods tolerate a not-ready node', parseSeconds)
    .option('--default-unreachable-toleration-seconds <n>', 'how long new pods tolerate an unreachable node', parseSeconds)
    .action((flags: UpFlags) => clusterUp(flags));
  cluster
    .command('down')
    .description('stop and remove the cluster `cluster up` made: processes, containers, namespaces, files')
    .option('--data-dir <dir>', 'where the cluster lives', defaultClusterDir())
    .action((flags: { dataDir: string }) => clusterDown(flags));
}

async function clusterUp(flags: UpFlags): Promise<void> {
  let cluster: LocalCluster;
  try {
    process.stdout.write(`starting a control plane and ${flags.nodes} host(s) in ${flags.dataDir}\n`);
    const { LocalCluster } = await import('../local-cluster/index.ts');
    cluster = await LocalCluster.create(
      {
        dataDir: flags.dataDir,
        imageTarballs: flags.images ? await tarballsIn(flags.images) : undefined,
        nodeMonitorGracePeriodSeconds: flags.nodeMonitorGracePeriod,
        defaultNotReadyTolerationSeconds: flags.defaultNotReadyTolerationSeconds,
        defaultUnreachableTolerationSeconds: flags.defaultUnreachableTolerationSeconds,
      },
      flags.nodes,
    );
  } catch (err) {
    process.stderr.write(`skiff: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const hosts = cluster.hosts.map((h) => `${h.name} (${h.ip})`).join(', ');
  process.stdout.write(
    `Skiff cluster up, serving ${cluster.url}: ${cluster.hosts.length} node(s): ${hosts}\n` +
      `kubeconfig: ${cluster.kubeconfigPath}\n` +
      `  try: KUBECONFIG=${cluster.kubeconfigPath} kubectl get nodes -o wide\n` +
      `  remove it: skiff cluster down --data-dir ${flags.dataDir}\n`,
  );
}

async function clusterDown(flags: { dataDir: string }): Promise<void> {
  const { LocalCluster } = await import('../local-cluster/index.ts');
  const cluster = await LocalCluster.open(flags.dataDir);
  if (!cluster) {
    process.stderr.write(`skiff: error: no cluster in ${flags.dataDir}: pass --data-dir with the directory 'skiff cluster up' used\n`);
    process.exit(1);
  }
  await cluster.down();
  process.stdout.write(`cluster ${cluster.id} removed\n`);
}

async function tarballsIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.tar') || f.endsWith('.tar.gz')).map((f) => join(dir, f));
}
