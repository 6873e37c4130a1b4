/**
 * `skiff server`, `skiff up` and `skiff apiserver`: run the control plane in the foreground
 * until SIGINT or SIGTERM, print where the kubeconfig is, and turn start-up failures into one
 * line that says what to do.
 */
import v8 from 'node:v8';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseCidr, parseIpv4 } from '../kubelet/network/ipv4.ts';
import { parseDurationMs } from '../api/time.ts';
import { DEFAULT_EVENT_TTL_MS } from '../apiserver/event-ttl.ts';
import { defaultDataDir } from './data-dir.ts';

export interface ServerFlags {
  dataDir: string;
  port: number;
  bindAddress: string;
  advertiseAddress?: string;
  datastoreEndpoint?: string;
  datastoreCafile?: string;
  datastoreCertfile?: string;
  datastoreKeyfile?: string;
  token?: string;
  serviceCidr?: string;
  clusterDns?: string;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  tlsSan: string[];
  disableAgent?: boolean;
  nodeMonitorGracePeriod: number;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** ms */
  eventTtl: number;
  /** `server` and `up` only: a KubeSchedulerConfiguration file. */
  schedulerConfig?: string;
}

export function parseIpv4Flag(text: string): string {
  if (parseIpv4(text) === undefined) throw new InvalidArgumentError('expected an IPv4 address, e.g. 10.43.0.10.');
  return text;
}

/** An address others can reach: Endpoints refuse unspecified, loopback and link-local ones. */
function parseAdvertiseAddress(text: string): string {
  parseIpv4Flag(text);
  if (text === '0.0.0.0' || text.startsWith('127.') || text.startsWith('169.254.')) throw new InvalidArgumentError('expected an address other machines reach this server on, not a wildcard, loopback or link-local one.');
  return text;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return n;
}

/** A duration as kube-apiserver's flags take it ("1h", "30m", "1h30m", "90s"), in ms; more than zero. */
export function parseDurationFlag(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration, e.g. 1h, 30m or 90s.');
  return ms;
}

export function parseSeconds(text: string): number {
  const m = /^(\d+)(s?)$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected a number of seconds, e.g. 40 or 40s.');
  return Number(m[1]);
}

/** An IPv4 CIDR flag value, e.g. 10.42.0.0/16. */
export function parseCidrFlag(text: string): string {
  try {
    parseCidr(text);
  } catch {
    throw new InvalidArgumentError('expected an IPv4 CIDR, e.g. 10.42.0.0/16.');
  }
  return text;
}

/** A prefix length for node pod CIDRs. */
export function parseMaskSize(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 30) throw new InvalidArgumentError('expected a prefix length up to 30, e.g. 24.');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Adds the flags every control-plane command shares. */
export function withServerFlags(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'where state, certificates and the kubeconfig live', defaultDataDir())
    .option('--port <n>', 'HTTPS port of the API server', parsePort, 6443)
    .option('--bind-address <ip>', 'address the API server listens on', '0.0.0.0')
    .option('--advertise-address <ip>', "address nodes and pods reach this API server on, listed in the kubernetes Service's endpoints (default: the bind address, or this host's first address)", parseAdvertiseAddress)
    .option('--datastore-endpoint <url>', 'sqlite://PATH (default DATA_DIR/server/state.db), etcd://host:port,... or https://host:port,...')
    .option('--datastore-cafile <file>', 'CA that signed the etcd members\' certificates (https:// endpoints)')
    .option('--datastore-certfile <file>', 'client certificate for etcd (https:// endpoints)')
    .option('--datastore-keyfile <file>', 'private key of --datastore-certfile')
    .option('--token <token>', 'the cluster token (DATA_DIR/server/token of a server already in the cluster) to join it on a shared datastore')
    .option('--service-cidr <cidr>', 'range Service ClusterIPs come from', '10.43.0.0/16')
    .option('--cluster-dns <ip>', "ClusterIP of the kube-dns Service, the pods' nameserver (default: the service CIDR's base address + 10, 10.43.0.10)", parseIpv4Flag)
    .option('--cluster-cidr <cidr>', 'range pod IPs come from (each node gets a block of it)', parseCidrFlag, '10.42.0.0/16')
    .option('--node-cidr-mask-size <n>', "prefix length of each node's block of the cluster CIDR", parseMaskSize, 24)
    .option('--tls-san <name>', 'extra name or address for the serving certificate (repeatable)', collect, [])
    .option('--node-monitor-grace-period <seconds>', 'time without heartbeats before a node is marked NotReady', parseSeconds, 40)
    .option('--default-not-ready-toleration-seconds <n>', 'how long new pods tolerate a not-ready node', parseSeconds, 300)
    .option('--default-unreachable-toleration-seconds <n>', 'how long new pods tolerate an unreachable node', parseSeconds, 300)
    .addOption(new Option('--event-ttl <duration>', 'how long an Event is kept after its last write (e.g. 1h, 30m)').argParser(parseDurationFlag).default(DEFAULT_EVENT_TTL_MS, '1h'));
}

function explain(err: unknown, flags: ServerFlags): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return `port ${flags.port} on ${flags.bindAddress} is already in use: stop whatever listens there or pass --port`;
  if (e.code === 'EACCES' && e.syscall === 'listen') return `not allowed to listen on port ${flags.port}: run as root or pass --port above 1024`;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `cannot write ${e.path ?? flags.dataDir}: run as root or pass --data-dir to a directory you own`;
  if ((e.code === 'ENOTDIR' || e.code === 'ENOENT' || e.code === 'EROFS') && e.syscall === 'mkdir') return `cannot create ${e.path ?? flags.dataDir} (${e.code}): pass --data-dir with a directory that can be created and written`;
  if (e.code === 'EADDRNOTAVAIL') return `${flags.bindAddress} is not an address of this machine: pass --bind-address with one of its addresses`;
  return e instanceof Error ? e.message : String(err);
}

/** The in-process node of `skiff up` / `skiff server`, started once the control plane serves. */
export type StartAgent = (kubeconfigPath: string, log: (line: string) => void) => Promise<{ nodeName: string; stop(): Promise<void> }>;

/**
 * V8 lets the old generation grow to several times its live size between major collections; a
 * control plane at 150,000 pods (≈1.2 GB live) then peaked at 4.1 GB of RSS, most of it garbage
 * from list pages. Growing by half instead kept the peak near 2 GB, for a few percent of GC time
 * (bench/scale-memory.ts). Read by V8 at each collection, so setting it at start-up is enough.
 */
const HEAP_GROWING_PERCENT = 50;

export async function runServer(flags: ServerFlags, what: { startAgent?: StartAgent; controllers?: boolean }): Promise<void> {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let plane;
  try {
    const { startControlPlane } = await import('../control-plane.ts');
    plane = await startControlPlane({
      dataDir: flags.dataDir,
      port: flags.port,
      bindAddress: flags.bindAddress,
      advertiseAddress: flags.advertiseAddress,
      datastoreEndpoint: flags.datastoreEndpoint,
      datastoreTls: { caFile: flags.datastoreCafile, certFile: flags.datastoreCertfile, keyFile: flags.datastoreKeyfile },
      token: flags.token,
      serviceCidr: flags.serviceCidr,
      clusterDns: flags.clusterDns,
      clusterCidr: flags.clusterCidr,
      nodeCidrMaskSize: flags.nodeCidrMaskSize,
      tlsSans: flags.tlsSan,
      nodeMonitorGracePeriodSeconds: flags.nodeMonitorGracePeriod,
      defaultNotReadyTolerationSeconds: flags.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: flags.defaultUnreachableTolerationSeconds,
      eventTtlMs: flags.eventTtl,
      controllers: what.controllers ?? true,
      schedulerConfigPath: flags.schedulerConfig,
      log,
    });
  } catch (err) {
    process.stderr.write(`skiff: error: ${explain(err, flags)}\n`);
    process.exit(1);
  }
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `Skiff control plane ready in ${ms} ms, serving ${plane.url}\n` +
      `kubeconfig: ${plane.kubeconfigPath}\n` +
      `  try: KUBECONFIG=${plane.kubeconfigPath} kubectl get namespaces\n` +
      (what.startAgent ? 'starting the node agent (kubelet)\n' : ''),
  );
  // Signals are handled from here on, also while the agent is still starting.
  let agent: ReturnType<StartAgent> | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, stopping`);
    await (await agent?.catch(() => undefined))?.stop();
    await plane.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (what.startAgent) {
    agent = what.startAgent(plane.kubeconfigPath, log);
    try {
      process.stdout.write(`node agent running: node ${(await agent).nodeName}\n`);
    } catch (err) {
      if (stopping) return;
      process.stderr.write(`skiff: error: ${err instanceof Error ? err.message : String(err)}\n`);
      await plane.stop();
      process.exit(1);
    }
  }
}
