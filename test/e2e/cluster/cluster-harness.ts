/**
 * The multi-node test harness: a {@link LocalCluster} (the code path of `skiff cluster up`) of N
 * hosts on this machine — each a network namespace on a bridge of its own, running its own
 * `skiff agent` process with its own data directory, joined by token to a `skiff server
 * --disable-agent` — with a busybox image on every host, the admin's RestClient and kubectl.
 *
 * Cleanup is registered before anything is made, so a failing test still removes every
 * namespace, bridge, mount, container and process; and every start sweeps what a killed test
 * run left behind (clusters whose owning process is gone). Names and addresses are unique per
 * run, so test files may run in parallel.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { RestClient } from '../../../src/client/index.ts';
import { OciRuntime } from '../../../src/kubelet/runtime/oci-runtime.ts';
import { LocalCluster } from '../../../src/local-cluster/index.ts';
import { kubectlWith, makeTempDir, removeTempDir, REPO_ROOT, type Kubectl } from '../harness.ts';

const exec = promisify(execFile);

/** The image every host has (imported from DATA_DIR/agent/images at agent start). */
export const CLUSTER_IMAGE = 'skiff.test/busybox:cluster-e2e';

export interface TestClusterOptions {
  hosts: number;
  nodeMonitorGracePeriodSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  defaultNotReadyTolerationSeconds?: number;
}

export interface MultiNodeCluster {
  cluster: LocalCluster;
  admin: RestClient;
  kubectl: Kubectl;
  /** The ids of the containers on host `name` (read from its runtime's state on disk). */
  containersOn(name: string): Promise<string[]>;
  /** The last lines of every process's log, for a failure message. */
  logs(): Promise<string>;
}

/**
 * Starts a cluster of `options.hosts` hosts and registers its removal with the enclosing
 * suite's `after` (call it inside `describe`, or at the top level of a test file).
 */
export async function startMultiNodeCluster(options: TestClusterOptions): Promise<MultiNodeCluster> {
  const root = await makeTempDir('cluster');
  let cluster: LocalCluster | undefined;
  let admin: RestClient | undefined;
  after(async () => {
    admin?.close();
    if (process.env.SKIFF_TEST_LOGS && cluster) console.error(await logsOf(cluster));
    await cluster?.down();
    await removeTempDir(root);
  });

  const images = join(root, 'images');
  await mkdir(images, { recursive: true });
  await exec(join(REPO_ROOT, 'scripts', 'build-busybox-image.sh'), [join(images, 'busybox.tar'), CLUSTER_IMAGE]);
  cluster = await LocalCluster.create(
    {
      dataDir: join(root, 'cluster'),
      imageTarballs: [join(images, 'busybox.tar')],
      nodeMonitorGracePeriodSeconds: options.nodeMonitorGracePeriodSeconds,
      defaultNotReadyTolerationSeconds: options.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: options.defaultUnreachableTolerationSeconds,
      ownerPid: process.pid,
    },
    options.hosts,
  );
  admin = await RestClient.fromKubeconfig(cluster.kubeconfigPath);
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  const created = cluster;
  return {
    cluster,
    admin,
    kubectl: kubectlWith(cluster.kubeconfigPath, join(root, 'kube-cache'), home),
    async containersOn(name) {
      const host = created.hosts.find((h) => h.name === name)!;
      const runtime = new OciRuntime({ rootDir: join(host.dataDir, 'agent') });
      return (await runtime.listContainers()).map((c) => c.id);
    },
    logs: () => logsOf(created),
  };
}

async function logsOf(cluster: LocalCluster): Promise<string> {
  const tail = async (name: string, path: string) => `--- ${name} (${path})\n${(await readFile(path, 'utf8').catch(() => '')).trim().split('\n').slice(-20).join('\n')}`;
  const parts = await Promise.all([tail('server', cluster.serverLogPath), ...cluster.hosts.map((h) => tail(h.name, h.logPath))]);
  return parts.join('\n');
}
