/**
 * A multi-node cluster on one machine: a control plane (`skiff server --disable-agent`, in the
 * machine's own network namespace, listening on a bridge) and N hosts, each a network namespace
 * on that bridge (and a mount namespace of its own, host-mounts.ts) running its own
 * `skiff agent` with its own data directory, joined by token.
 * Hosts can be added, killed, restarted, cut off and reconnected. `skiff cluster up|down` and the
 * multi-node tests (test/e2e/cluster) both drive it.
 *
 * Everything it makes is recorded before it is made — `DATA_DIR/cluster.json`, and a pointer
 * `/run/skiff-cluster/<id>` naming that directory — so that `down` (from any process) and the
 * stale sweep (at every start: clusters whose owning process died, and network leftovers with
 * no record at all) remove all of it: processes, containers, mounts, namespaces, the bridge.
 */
import { copyFile, mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Node } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { RestClient } from '../client/index.ts';
import { writeFileAtomic } from '../apiserver/auth/credential-files.ts';
import { ensurePki } from '../apiserver/auth/pki.ts';
import { ensureTokens } from '../apiserver/auth/tokens.ts';
import { createHostMountNamespace, hostMountNamespaces, mountNamespacePath, removeHostMountNamespace } from './host-mounts.ts';
import { clusterIdOf, hostNamespace, newClusterId } from './names.ts';
import {
  clusterIdsOnMachine,
  createBridge,
  createHostNetwork,
  gatewayOf,
  hostAddress,
  namespacePath,
  pickSubnet,
  removeClusterNetwork,
  setHostLink,
  type HostSubnet,
} from './host-network.ts';
import { removeNodeLeftovers } from './node-cleanup.ts';
import { freePort, isOurProcess, killSkiffProcess, startSkiffProcess, waitForLog } from './processes.ts';
import { processExists } from '../kubelet/process-exists.ts';

const REGISTRY_DIR = '/run/skiff-cluster';
const STATE_FILE = 'cluster.json';
const START_TIMEOUT_MS = 120_000;
const NODES = findResource('', 'v1', 'nodes')!;

export interface LocalClusterOptions {
  /** Where the cluster lives: DATA_DIR/server, DATA_DIR/hosts/<host>, DATA_DIR/cluster.json. */
  dataDir: string;
  /** Seconds without heartbeats before a node is NotReady (server --node-monitor-grace-period). */
  nodeMonitorGracePeriodSeconds?: number;
  /** How long pods stay on a not-ready / unreachable node (server --default-*-toleration-seconds). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** Image tarballs copied into every host's DATA_DIR/agent/images, imported at agent start. */
  imageTarballs?: string[];
  /**
   * The process the cluster belongs to (a test): once it is dead, the next start's sweep removes
   * the cluster. Unset (`skiff cluster up`), only `down` removes it.
   */
  ownerPid?: number;
}

/** One host as recorded. */
export interface HostRecord {
  name: string;
  /** 1, 2, …: its address is subnet.(n+1), its veth skl<id>v<n>. */
  n: number;
  ip: string;
  dataDir: string;
  logPath: string;
  /** The agent's pid while it runs. */
  pid?: number;
  /** Whether its link is cut. */
  partitioned?: boolean;
}

/** What DATA_DIR/cluster.json holds. */
export interface ClusterState {
  id: string;
  dataDir: string;
  subnet: HostSubnet;
  ownerPid?: number;
  options: Omit<LocalClusterOptions, 'dataDir' | 'ownerPid'>;
  server: { pid?: number; url?: string; kubeconfigPath: string; logPath: string };
  hosts: HostRecord[];
}

export class LocalCluster {
  private constructor(private readonly state: ClusterState) {}

  /** The admin kubeconfig. */
  get kubeconfigPath(): string {
    return this.state.server.kubeconfigPath;
  }

  /** The API server's URL, e.g. https://10.200.7.1:40123. */
  get url(): string {
    return this.state.server.url!;
  }

  get id(): string {
    return this.state.id;
  }

  /** The control plane's log file. */
  get serverLogPath(): string {
    return this.state.server.logPath;
  }

  /** The hosts, in the order they were added. */
  get hosts(): readonly HostRecord[] {
    return this.state.hosts;
  }

  /**
   * Sweeps stale clusters, makes the network, and starts the control plane and `hosts` agents
   * at once (the agents wait for the server; the cluster's CA and join token are made first, so
   * the token exists before either starts). Resolves when all of them run; a failure part-way
   * removes what was made.
   */
  static async create(options: LocalClusterOptions, hosts = 0): Promise<LocalCluster> {
    await sweepStaleClusters();
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if ((await readState(dataDir)) !== undefined) throw new Error(`a cluster already lives in ${dataDir}: run 'skiff cluster down' first`);
    const { dataDir: _, ownerPid, ...rest } = options;
    const serverDir = join(dataDir, 'server');
    const state: ClusterState = {
      id: newClusterId(),
      dataDir,
      subnet: await pickSubnet(),
      ownerPid,
      options: rest,
      server: { kubeconfigPath: join(serverDir, 'kubeconfig.yaml'), logPath: join(dataDir, 'server.log') },
      hosts: [],
    };
    const cluster = new LocalCluster(state);
    await cluster.save();
    try {
      await createBridge(state.id, state.subnet);
      const gateway = gatewayOf(state.subnet);
      const pki = await ensurePki(join(serverDir, 'server'), { sans: { dns: [], ips: [gateway] } });
      await ensureTokens(join(serverDir, 'server'), pki.caCertPem);
      state.server.url = `https://${gateway}:${await freePort(gateway)}`;
      const serverStarted = cluster.startServer();
      await Promise.all([serverStarted, cluster.addHosts(hosts)]);
    } catch (err) {
      await cluster.down();
      throw err;
    }
    return cluster;
  }

  /** The cluster recorded in `dataDir`, or undefined when there is none. */
  static async open(dataDir: string): Promise<LocalCluster | undefined> {
    const state = await readState(resolve(dataDir));
    return state && new LocalCluster(state);
  }

  /** The cluster a record describes (the sweep's view of a cluster it did not start). */
  static fromState(state: ClusterState): LocalCluster {
    return new LocalCluster(state);
  }

  /** Adds `count` hosts at once; resolves when every agent runs. */
  async addHosts(count: number): Promise<HostRecord[]> {
    const hosts: HostRecord[] = [];
    for (let i = 0; i < count; i++) hosts.push(await this.prepareHost());
    await Promise.all(hosts.map((h) => this.startHost(h.name)));
    return hosts;
  }

  /** Starts (or restarts) host `name`'s agent; resolves once its Node is Ready for pods. */
  async startHost(name: string): Promise<void> {
    const host = this.host(name);
    if (host.pid && (await isOurProcess(host.pid, this.state.dataDir))) return;
    const s = this.state;
    const started = startSkiffProcess({
      namespaces: { net: namespacePath(s.id, host.name), mount: mountNamespacePath(hostNamespace(s.id, host.name)) },
      logPath: host.logPath,
      // prettier-ignore
      args: [
        'agent',
        '--server', this.url,
        '--token-file', join(s.dataDir, 'server', 'server', 'node-token'),
        '--node-name', host.name,
        '--node-ip', host.ip,
        '--data-dir', host.dataDir,
      ],
    });
    host.pid = started.pid;
    await this.save();
    await waitForLog(host.logPath, new RegExp(`Skiff node ${host.name} running`), started, s.dataDir, START_TIMEOUT_MS);
    await this.waitForNodeReady(host.name, host.logPath);
  }

  /**
   * Resolves once Node `name` is Ready and no longer tainted not-ready, so pods created next may
   * land on it: an agent runs before its node has a pod CIDR, and the node is not Ready until then.
   */
  private async waitForNodeReady(name: string, logPath: string): Promise<void> {
    const client = await RestClient.fromKubeconfig(this.kubeconfigPath);
    try {
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const node = await client.get<Node>(NODES, undefined, name).catch(() => undefined);
        const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        if (ready && !node?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready')) return;
        if (Date.now() > deadline) throw new Error(`node ${name} did not turn Ready in ${START_TIMEOUT_MS / 1000} s: see ${logPath}`);
        await delay(200);
      }
    } finally {
      client.close();
    }
  }

  /** Kills host `name`'s agent (SIGKILL, as a crash); its containers keep running. */
  async stopHost(name: string): Promise<void> {
    const host = this.host(name);
    if (host.pid) await killSkiffProcess(host.pid, this.state.dataDir);
    host.pid = undefined;
    await this.save();
  }

  /** Cuts host `name` off the network (its veth down), or reconnects it. */
  async setPartitioned(name: string, partitioned: boolean): Promise<void> {
    const host = this.host(name);
    await setHostLink(this.state.id, host.n, partitioned ? 'down' : 'up');
    host.partitioned = partitioned;
    await this.save();
  }

  /**
   * Removes everything: agents, control plane, containers, mounts, namespaces, the bridge,
   * the record, and the cluster's files under the data directory. Idempotent.
   */
  async down(): Promise<void> {
    const s = this.state;
    for (const host of s.hosts) if (host.pid) await killSkiffProcess(host.pid, s.dataDir);
    if (s.server.pid) await killSkiffProcess(s.server.pid, s.dataDir);
    for (const host of s.hosts) await removeNodeLeftovers(join(host.dataDir, 'agent'));
    await removeMachineResources(s.id);
    await rm(join(REGISTRY_DIR, s.id), { force: true });
    for (const path of [join(s.dataDir, 'server'), join(s.dataDir, 'hosts'), s.server.logPath, join(s.dataDir, STATE_FILE)]) {
      await rm(path, { recursive: true, force: true });
    }
    await rmdir(s.dataDir).catch(() => undefined);
  }

  private host(name: string): HostRecord {
    const host = this.state.hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no host ${name} in cluster ${this.state.id}`);
    return host;
  }

  private async startServer(): Promise<void> {
    const s = this.state;
    const o = s.options;
    const { hostname: gateway, port } = new URL(this.url);
    const flag = (name: string, value: number | undefined) => (value === undefined ? [] : [`--${name}`, String(value)]);
    const started = startSkiffProcess({
      logPath: s.server.logPath,
      // prettier-ignore
      args: [
        'server', '--disable-agent',
        '--data-dir', join(s.dataDir, 'server'),
        '--bind-address', gateway,
        '--port', port,
        '--tls-san', gateway,
        ...flag('node-monitor-grace-period', o.nodeMonitorGracePeriodSeconds),
        ...flag('default-not-ready-toleration-seconds', o.defaultNotReadyTolerationSeconds),
        ...flag('default-unreachable-toleration-seconds', o.defaultUnreachableTolerationSeconds),
      ],
    });
    s.server.pid = started.pid;
    await this.save();
    await waitForLog(s.server.logPath, /Skiff control plane ready/, started, s.dataDir, START_TIMEOUT_MS);
  }

  /** Records a new host and makes its namespace, link and directories. */
  private async prepareHost(): Promise<HostRecord> {
    const s = this.state;
    const n = Math.max(0, ...s.hosts.map((h) => h.n)) + 1;
    if (n > 250) throw new Error('a local cluster has at most 250 hosts');
    const name = `host-${n}`;
    const dataDir = join(s.dataDir, 'hosts', name);
    const host: HostRecord = { name, n, ip: hostAddress(s.subnet, n), dataDir, logPath: join(dataDir, 'agent.log') };
    s.hosts.push(host);
    await this.save();
    await createHostNetwork(s.id, name, n, s.subnet);
    await createHostMountNamespace(hostNamespace(s.id, name), namespacePath(s.id, name));
    const images = join(dataDir, 'agent', 'images');
    await mkdir(images, { recursive: true });
    for (const tarball of s.options.imageTarballs ?? []) await copyFile(tarball, join(images, tarball.split('/').pop()!));
    return host;
  }

  private async save(): Promise<void> {
    await writeFileAtomic(join(this.state.dataDir, STATE_FILE), JSON.stringify(this.state, null, 2), 0o600);
    await mkdir(REGISTRY_DIR, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(REGISTRY_DIR, this.state.id), this.state.dataDir, 0o600);
  }
}

async function readState(dataDir: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, STATE_FILE), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/**
 * Removes clusters whose owning process is gone (a test killed half-way), and network
 * leftovers (namespaces, links) of clusters with no record at all.
 */
export async function sweepStaleClusters(): Promise<void> {
  // The machine first, then the records: a cluster records itself before it makes anything, so
  // whatever is listed here already has its record by the time the records are read.
  const onMachine = new Set([...(await clusterIdsOnMachine()), ...(await hostMountNamespaces()).map(clusterIdOf)]);
  const recorded = new Set<string>();
  for (const id of await readdir(REGISTRY_DIR).catch(() => [] as string[])) {
    if (id.startsWith('.')) continue;
    const dataDir = (await readFile(join(REGISTRY_DIR, id), 'utf8').catch(() => '')).trim();
    const state = dataDir ? await readState(dataDir) : undefined;
    if (state && !(state.ownerPid !== undefined && !processExists(state.ownerPid))) {
      recorded.add(id);
      continue;
    }
    if (state) await LocalCluster.fromState(state).down();
    else await rm(join(REGISTRY_DIR, id), { force: true });
  }
  for (const id of onMachine) {
    if (id && !recorded.has(id)) await removeMachineResources(id);
  }
}

/** Drops cluster `id`'s host mount namespaces (and what still runs in them), then its network. */
async function removeMachineResources(id: string): Promise<void> {
  for (const name of await hostMountNamespaces()) if (clusterIdOf(name) === id) await removeHostMountNamespace(name);
  await removeClusterNetwork(id);
}
