/**
 * A real etcd (Debian's /usr/bin/etcd) on loopback for tests: one member or a cluster of
 * several, on free ports, with data in a fresh temporary directory. Members can be killed and
 * started again. `stop()` kills every member and removes the directory; members still running
 * when the test process exits (or dies) are killed too, so a failing test leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtcdClient } from './etcd-client.ts';

const ETCD = '/usr/bin/etcd';
/** util-linux's setpriv execs etcd with a parent-death signal, so even a test process that is killed outright takes its etcd with it. */
const SETPRIV = '/usr/bin/setpriv';

/** One etcd member. */
export interface EtcdMember {
  name: string;
  /** e.g. http://127.0.0.1:40123 */
  clientUrl: string;
  /** Whether its process is running. */
  readonly running: boolean;
  /** SIGKILLs the member (no clean shutdown) and waits for the process to be gone. */
  kill(): Promise<void>;
  /** Starts the member again on its data directory and waits until it answers /health. */
  start(): Promise<void>;
  /** Stops the process (SIGSTOP) and waits until it is stopped: connections stay open but nothing answers, as with a hung member. */
  freeze(): Promise<void>;
  /** Resumes a frozen member (SIGCONT). */
  thaw(): void;
}

/** A running etcd cluster. */
export interface EtcdCluster {
  members: EtcdMember[];
  /** `etcd://127.0.0.1:P1,127.0.0.1:P2,...` (`https://…,…` with TLS), what `--datastore-endpoint` takes. */
  endpoint: string;
  /** Kills every member and removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Number of members. Default 1. */
  members?: number;
  /** Client ports to use (one per member), instead of free ones. */
  clientPorts?: number[];
  /** Create the members but leave them stopped (start each with `member.start()`). Default false. */
  stopped?: boolean;
  /** Serve clients over TLS with this certificate, and accept only clients with a certificate signed by `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string; clientCertFile: string; clientKeyFile: string };
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts etcd with `options.members` members on loopback and waits until every member is healthy. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdCluster> {
  // A free port can be taken by another test process between freePorts closing it and etcd
  // binding it; fresh ports are a cure, unless the caller chose them.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnce(options);
    } catch (err) {
      if (!(err instanceof PortTakenError) || options.clientPorts || attempt >= 3) throw err;
    }
  }
}

async function startEtcdOnce(options: StartEtcdOptions): Promise<EtcdCluster> {
  const count = options.members ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-'));
  const ports = await freePorts(count * 2 - (options.clientPorts?.length ?? 0));
  const clientPorts = options.clientPorts ?? ports.splice(0, count);
  const names = Array.from({ length: count }, (_, i) => `m${i}`);
  const peerUrls = names.map(() => `http://127.0.0.1:${ports.shift()}`);
  const initialCluster = names.map((name, i) => `${name}=${peerUrls[i]}`).join(',');
  const scheme = options.tls ? 'https' : 'http';
  const members = names.map((name, i) => member(name, dir, `${scheme}://127.0.0.1:${clientPorts[i]}`, peerUrls[i], initialCluster, options.tls));
  const cluster: EtcdCluster = {
    members,
    endpoint: options.tls ? members.map((m) => m.clientUrl).join(',') : `etcd://${members.map((m) => new URL(m.clientUrl).host).join(',')}`,
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.stopped) return cluster;
  try {
    await Promise.all(members.map((m) => m.start()));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** A member's client port answered, but as some other etcd: another process holds the port. */
class PortTakenError extends Error {}

function member(name: string, dir: string, clientUrl: string, peerUrl: string, initialCluster: string, tls: StartEtcdOptions['tls']): EtcdMember {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';
  const args = [
    '--name', name,
    '--data-dir', join(dir, name),
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', initialCluster,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', `skiff-test-${process.pid}-${dir.slice(-6)}`,
    '--logger', 'zap',
    '--log-level', 'error',
    ...(tls ? ['--cert-file', tls.certFile, '--key-file', tls.keyFile, '--client-cert-auth', '--trusted-ca-file', tls.caFile] : []),
  ];
  return {
    name,
    clientUrl,
    get running() {
      return child !== undefined;
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited;
    },
    async freeze() {
      if (!child?.pid) throw new Error(`etcd member ${name} is not running`);
      child.kill('SIGSTOP');
      // The stop lands asynchronously; a test that writes straight after must find it landed.
      const stat = `/proc/${child.pid}/stat`;
      while (!/^\d+ \(.*\) T /.test(readFileSync(stat, 'utf8'))) await new Promise((r) => setTimeout(r, 5));
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async start() {
      if (child) return;
      stderr = '';
      const proc = spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', ETCD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      running.add(proc);
      proc.stderr!.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      exited = new Promise((resolve) =>
        proc.once('exit', () => {
          running.delete(proc);
          if (child === proc) child = undefined;
          resolve();
        }),
      );
      const deadline = Date.now() + 30_000;
      while (!(await healthy(clientUrl, tls))) {
        if (!child) throw new Error(`etcd member ${name} exited: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`etcd member ${name} not healthy after 30 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // A healthy answer proves only that some etcd listens there. Ours is the one whose member
      // list holds our peer URL (a port no other cluster can have while we hold it); without
      // this a test could freeze or kill our member and still be answered by the other one.
      const peers = await memberPeerUrls(clientUrl, tls);
      if (!peers.includes(peerUrl)) throw new PortTakenError(`etcd member ${name}: ${clientUrl} is served by another etcd (peers ${peers.join(', ')}): ${stderr}`);
    },
  };
}

async function healthy(clientUrl: string, tls: StartEtcdOptions['tls']): Promise<boolean> {
  if (!tls) {
    try {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
      return ((await res.json()) as { health?: string }).health === 'true';
    } catch {
      return false;
    }
  }
  // No SNI: etcd is addressed by IP, which SNI cannot carry.
  const options = { ca: readFileSync(tls.caFile), cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile), timeout: 2000, servername: '' };
  return new Promise((resolve) => {
    const req = https.get(`${clientUrl}/health`, options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body.includes('"health":"true"')));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * The peer URLs of the cluster's members, as the etcd at `clientUrl` lists them (over gRPC:
 * etcd 3.4's HTTP gateway cannot reach its own server when client certificates are demanded).
 */
async function memberPeerUrls(clientUrl: string, tls: StartEtcdOptions['tls']): Promise<string[]> {
  const client = createEtcdClient({ hosts: [clientUrl] }, { callTimeoutMs: 2000, tls: tls && { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } });
  try {
    const list = await client.cluster.memberList({});
    return list.members.flatMap((m) => m.peerURLs);
  } finally {
    client.close();
  }
}

/** `n` distinct TCP ports nobody listens on right now (all held open at once, so no repeats). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}
