/**
 * The node's pod network, built in (no CNI plugin to install): once the node's pod CIDR is
 * known (`configure`), the bridge with the gateway address, forwarding and the nftables table;
 * per sandbox (`setUp`, `tearDown`, which the runtime calls) an address from the on-disk IPAM,
 * a veth pair into the sandbox's network namespace, and its hostPorts in the table.
 *
 * State is on disk under `stateDir`: `ipam/` (one file per address) and `pods/<sandbox>.json`
 * (the address and hostPorts of each sandbox), so a restarted kubelet rebuilds the table from
 * the pods it has and every step can simply run again.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortMapping } from '../runtime/runtime.ts';
import type { PodInterfacePlan, SandboxNetwork } from '../runtime/sandbox.ts';
import { deleteBridge, ensureBridge, gatewayOf, linkExists, uplinkMtu } from './bridge.ts';
import { runNetworkCommand, type RunCommand } from './commands.ts';
import { HostLocalIpam } from './ipam.ts';
import { IpBatcher } from './ip-batcher.ts';
import { formatCidr, parseCidr, type Ipv4Cidr } from './ipv4.ts';
import { podNetworkRuleset, type HostPortMapping } from './nft-rules.ts';
import { attachPodInterface, detachPodInterface, hostVethName } from './pod-interface.ts';

/** A sandbox asked for its network before the node had a pod CIDR (no node-ipam controller yet?). */
export class NetworkNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkNotReadyError';
  }
}

export interface PodNetworkOptions {
  /** Where the network keeps its state: DATA_DIR/agent/network. */
  stateDir: string;
  /** The whole cluster's pod range (--cluster-cidr), e.g. 10.42.0.0/16: traffic leaving it is masqueraded. */
  clusterCidr: string;
  /** The bridge. Default skiff0. */
  bridge?: string;
  /** The nftables table (family ip). Default skiff-net. */
  table?: string;
  /** Interface MTU for the bridge and pods. Default: the MTU of the node's default-route interface. */
  mtu?: number;
  /** How long a sandbox waits for the node's pod CIDR before failing with NetworkNotReadyError. Default 10 s. */
  readyTimeoutMs?: number;
  /** Default: the runtime's spawner. */
  run?: RunCommand;
}

/** What is kept per sandbox. */
interface PodRecord {
  ip: string;
  portMappings: PortMapping[];
}

/** The pod network of one node (see the file's comment). */
export class PodNetwork implements SandboxNetwork {
  readonly bridge: string;
  readonly table: string;
  private readonly run: RunCommand;
  private readonly ipam: HostLocalIpam;
  /** The node's ends of pods' veths, many pods' in one `ip` process. */
  private readonly hostSide: IpBatcher;
  private cidr?: Ipv4Cidr;
  private mtu?: number;
  private markReady!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
  /** Table rewrites run one at a time, each from the records as they are then. */
  private rules: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: PodNetworkOptions) {
    parseCidr(o.clusterCidr);
    this.bridge = o.bridge ?? 'skiff0';
    this.table = o.table ?? 'skiff-net';
    this.run = o.run ?? runNetworkCommand;
    this.ipam = new HostLocalIpam(join(o.stateDir, 'ipam'));
    this.hostSide = new IpBatcher(this.run);
  }

  /** Why pods cannot get addresses yet, or undefined once the node's side is configured. */
  notReadyReason(): string | undefined {
    return this.cidr ? undefined : 'the node has no pod CIDR yet (is the node-ipam controller running?)';
  }

  /** The node's pod CIDR, once configured. */
  get podCidr(): string | undefined {
    return this.cidr && formatCidr(this.cidr);
  }

  /**
   * Sets up the node's side for its pod CIDR (`node.spec.podCIDR`): bridge, gateway address,
   * forwarding, the nftables table. Idempotent; sandboxes waiting for it go on.
   */
  async configure(podCidr: string): Promise<void> {
    const cidr = parseCidr(podCidr);
    this.mtu ??= this.o.mtu ?? (await uplinkMtu());
    await ensureBridge(this.run, { name: this.bridge, gateway: gatewayOf(cidr), prefix: cidr.prefix, mtu: this.mtu });
    this.cidr = cidr;
    await this.syncRules();
    this.markReady();
  }

  async plan(sandboxId: string): Promise<PodInterfacePlan | undefined> {
    const cidr = await this.awaitPodCidr();
    const hostVeth = hostVethName(sandboxId);
    if (await linkExists(hostVeth)) return undefined;
    const ip = await this.ipam.allocate(sandboxId, formatCidr(cidr));
    return { address: `${ip}/${cidr.prefix}`, gateway: gatewayOf(cidr), mtu: this.mtu!, hostVeth };
  }

  async setUp(sandbox: { id: string; netnsPath: string; portMappings: PortMapping[]; podSideConfigured?: boolean }): Promise<{ ip: string }> {
    const cidr = await this.awaitPodCidr();
    const ip = await this.ipam.allocate(sandbox.id, formatCidr(cidr));
    const pod = { sandboxId: sandbox.id, netnsPath: sandbox.netnsPath, ip, prefix: cidr.prefix, gateway: gatewayOf(cidr), bridge: this.bridge, mtu: this.mtu! };
    await attachPodInterface(this.run, pod, { podSideConfigured: sandbox.podSideConfigured === true, hostSide: this.hostSide });
    const before = await this.readRecord(sandbox.id);
    await this.writeRecord(sandbox.id, { ip, portMappings: sandbox.portMappings });
    if (sandbox.portMappings.length || before?.portMappings.length) await this.syncRules();
    return { ip };
  }

  async tearDown(sandboxId: string): Promise<void> {
    await detachPodInterface(this.run, sandboxId);
    const record = await this.readRecord(sandboxId);
    await rm(this.recordPath(sandboxId), { force: true });
    if (record?.portMappings.length && this.cidr) await this.syncRules();
    await this.ipam.release(sandboxId);
  }

  /**
   * Tears down what any sandbox not in `liveSandboxIds` still holds — its veth, hostPorts and
   * address — e.g. one removed while the kubelet ran without its network (CNI's GC).
   */
  async collectGarbage(liveSandboxIds: Iterable<string>): Promise<string[]> {
    const live = new Set(liveSandboxIds);
    const names = await readdir(join(this.o.stateDir, 'pods')).catch(() => [] as string[]);
    const known = new Set([...names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)), ...(await this.ipam.owners()).values()]);
    const orphans = [...known].filter((id) => !live.has(id));
    for (const id of orphans) await this.tearDown(id);
    return orphans;
  }

  /**
   * Removes the node's side — the nftables table and the bridge — leaving the state on disk
   * (what an uninstall, or a test, does once its pods are gone).
   */
  async removeNodeNetwork(): Promise<void> {
    await this.rules.catch(() => undefined);
    await this.applyRuleset(`table ip ${this.table} {}\ndelete table ip ${this.table}\n`);
    await deleteBridge(this.run, this.bridge);
  }

  private async awaitPodCidr(): Promise<Ipv4Cidr> {
    if (this.cidr) return this.cidr;
    const timeoutMs = this.o.readyTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([this.ready, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout' || !this.cidr) throw new NetworkNotReadyError('network is not ready: the node has no pod CIDR yet (is the node-ipam controller running?)');
    return this.cidr;
  }

  /** Rewrites the table from the records (queued behind any rewrite in flight). */
  private syncRules(): Promise<void> {
    const next = this.rules.then(
      () => this.writeRules(),
      () => this.writeRules(),
    );
    this.rules = next.catch(() => undefined);
    return next;
  }

  private async writeRules(): Promise<void> {
    const hostPorts: HostPortMapping[] = [];
    for (const record of await this.records()) {
      for (const m of record.portMappings) hostPorts.push({ podIP: record.ip, protocol: m.protocol, hostPort: m.hostPort, containerPort: m.containerPort, ...(m.hostIP ? { hostIP: m.hostIP } : {}) });
    }
    await this.applyRuleset(podNetworkRuleset({ table: this.table, clusterCidr: this.o.clusterCidr, bridge: this.bridge, hostPorts }));
  }

  /** One `nft -f` transaction; the file stays for whoever wants to see what the table should be. */
  private async applyRuleset(text: string): Promise<void> {
    await mkdir(this.o.stateDir, { recursive: true });
    const file = join(this.o.stateDir, `${this.table}.nft`);
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
    await this.run(['nft', '-f', file]);
  }

  private recordPath(sandboxId: string): string {
    return join(this.o.stateDir, 'pods', `${sandboxId}.json`);
  }

  /** Synchronous, as writeRecord: a small file on the kubelet's disk, read for every sandbox set up. */
  private async readRecord(sandboxId: string): Promise<PodRecord | undefined> {
    try {
      return JSON.parse(readFileSync(this.recordPath(sandboxId), 'utf8')) as PodRecord;
    } catch {
      return undefined;
    }
  }

  /** Synchronous: each promise-based call would cost the event loop more than the I/O. */
  private async writeRecord(sandboxId: string, record: PodRecord): Promise<void> {
    const path = this.recordPath(sandboxId);
    mkdirSync(join(this.o.stateDir, 'pods'), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(record));
    renameSync(`${path}.tmp`, path);
  }

  private async records(): Promise<PodRecord[]> {
    const names = await readdir(join(this.o.stateDir, 'pods')).catch(() => [] as string[]);
    const records = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.readRecord(n.slice(0, -5))));
    return records.filter((r): r is PodRecord => r !== undefined);
  }
}
