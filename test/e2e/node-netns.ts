/**
 * A node of its own for an end-to-end test: a network namespace joined to the machine by a
 * veth, on a /30 of 10.251.0.0/16 that no address of the machine falls in — the machine's side
 * holds the first address, the node (`eth0` inside, default route through the machine) the
 * second. A node agent run inside (`nsenter --net`, not `ip netns exec`: that one mounts a fresh
 * /sys, which hides the cgroup hierarchies the kubelet needs) makes its bridge, nftables tables
 * and routes there, so tests running at once never share them and removing the namespace
 * removes them all.
 *
 * The machine-side veth's name (`sktn` + the /30's index in hex) is the claim on the /30: a
 * second test taking the same index fails to create it and moves on. The namespace's name
 * carries the creating process's pid, so a later run removes what a killed run left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip } from '../../src/local-cluster/host-network.ts';
import { processExists } from '../../src/kubelet/process-exists.ts';
import { removeTempDir, run, spawnSkiff, stopChild, type CommandResult, type Kubectl, type SkiffProcess } from './harness.ts';

const KUBECTL = '/usr/bin/kubectl';
const PREFIX = 'sktn';
/** /30s in 10.251.0.0/16. */
const SUBNETS = 1 << 14;
const NAMESPACE = /^sktn([0-9a-f]+)-(\d+)$/;
/**
 * Run inside the namespace: listens on its 127.0.0.1:argv[1] and pipes each connection to the
 * unix socket argv[2] (the filesystem is shared; the network is not). Says `listening` when ready.
 */
const LOOPBACK_RELAY = [
  "const net = require('node:net');",
  'const [port, socket] = process.argv.slice(1);',
  'net.createServer((c) => { const u = net.connect(socket); c.pipe(u).pipe(c); c.on("error", () => u.destroy()); u.on("error", () => c.destroy()); })',
  "  .listen(Number(port), '127.0.0.1', () => console.log('listening'));",
].join('\n');

export interface NodeNetns {
  /** The namespace's name, e.g. sktn1a2-4242. */
  name: string;
  /** Its file, for `nsenter --net=`. */
  path: string;
  /** The machine's end of the veth, e.g. 10.251.6.129: where the node reaches a server on the machine. */
  hostAddress: string;
  /** The node's address (its --node-ip), e.g. 10.251.6.130. */
  nodeAddress: string;
  /** Runs a program inside, with an argument array. */
  run(file: string, args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** `bin/skiff ARGS` inside, as {@link spawnSkiff} runs it. */
  spawnSkiff(args: string[]): SkiffProcess;
  /** The real kubectl inside, bound to a kubeconfig and a discovery cache dir. */
  kubectl(kubeconfigPath: string, cacheDir: string, home: string): Kubectl;
  /**
   * Makes the machine's 127.0.0.1:PORT answer on the node's 127.0.0.1:PORT too (a registry on
   * loopback, say), until `remove`.
   */
  forwardLoopbackPort(port: number): Promise<void>;
  /** Removes the namespace, and with it its veth, bridges and nftables tables. Idempotent. */
  remove(): Promise<void>;
}

function addressOf(index: number, host: number): string {
  const n = index * 4 + host;
  return `10.251.${n >> 8}.${n & 255}`;
}

/** Removes the namespaces (and their veths) of test processes that are gone. */
async function sweepStale(): Promise<void> {
  for (const line of (await ip(['netns', 'list'])).split('\n')) {
    const m = NAMESPACE.exec(line.split(' ')[0]);
    if (!m || processExists(Number(m[2]))) continue;
    await ip(['netns', 'delete', m[0]]).catch(() => undefined);
    await ip(['link', 'delete', `${PREFIX}${m[1]}`]).catch(() => undefined);
  }
}

/** The /30 indexes any address of the machine falls in. */
async function usedIndexes(): Promise<Set<number>> {
  const used = new Set<number>();
  for (const m of (await ip(['-4', '-o', 'addr', 'show'])).matchAll(/inet 10\.251\.(\d+)\.(\d+)\//g)) used.add(((Number(m[1]) << 8) + Number(m[2])) >> 2);
  return used;
}

/** Makes a node namespace; call `remove` when done (also after a failure). */
export async function createNodeNetns(): Promise<NodeNetns> {
  await sweepStale();
  const used = await usedIndexes();
  const start = Math.floor(Math.random() * SUBNETS);
  for (let i = 0; i < SUBNETS; i++) {
    const index = (start + i) % SUBNETS;
    if (used.has(index)) continue;
    const veth = `${PREFIX}${index.toString(16)}`;
    const name = `${veth}-${process.pid}`;
    try {
      await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
    } catch {
      continue; // taken by another test, or a leftover: try the next /30
    }
    const node = makeNode(name, veth, addressOf(index, 1), addressOf(index, 2));
    try {
      await ip(['netns', 'add', name]);
      await ip(['link', 'set', `${veth}p`, 'netns', name]);
      await ip(['-n', name, 'link', 'set', `${veth}p`, 'name', 'eth0']);
      await ip(['addr', 'add', `${node.hostAddress}/30`, 'dev', veth]);
      await ip(['link', 'set', veth, 'up']);
      await ip(['-n', name, 'link', 'set', 'lo', 'up']);
      await ip(['-n', name, 'addr', 'add', `${node.nodeAddress}/30`, 'dev', 'eth0']);
      await ip(['-n', name, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', name, 'route', 'add', 'default', 'via', node.hostAddress]);
      return node;
    } catch (err) {
      await node.remove();
      throw err;
    }
  }
  throw new Error('no free /30 in 10.251.0.0/16 for a test node');
}

function makeNode(name: string, veth: string, hostAddress: string, nodeAddress: string): NodeNetns {
  const path = `/run/netns/${name}`;
  const inside = (file: string, args: string[]) => ['nsenter', [`--net=${path}`, '--', file, ...args]] as const;
  const forwarders: { relay: ChildProcess; server: net.Server; sockets: Set<net.Socket>; dir: string }[] = [];
  return {
    name,
    path,
    hostAddress,
    nodeAddress,
    run(file, args, options = {}) {
      const [f, a] = inside(file, args);
      return run(f, [...a], { ...options, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' } });
    },
    spawnSkiff(args) {
      return spawnSkiff(args, { wrapper: ['nsenter', `--net=${path}`, '--'] });
    },
    kubectl(kubeconfigPath, cacheDir, home) {
      return (args, options = {}) => {
        const [f, a] = inside(KUBECTL, ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args]);
        return run(f, [...a], { stdin: options.stdin, timeoutMs: options.timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...options.env } });
      };
    },
    async forwardLoopbackPort(port) {
      const dir = await mkdtemp(join(tmpdir(), 'skiff-e2e-relay-'));
      const socket = join(dir, 'relay.sock');
      const sockets = new Set<net.Socket>();
      const server = net.createServer((c) => {
        const u = net.connect(port, '127.0.0.1');
        for (const s of [c, u]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
        }
        c.pipe(u).pipe(c);
        c.on('error', () => u.destroy());
        u.on('error', () => c.destroy());
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, resolve));
      const [f, a] = inside(process.execPath, ['-e', LOOPBACK_RELAY, String(port), socket]);
      const relay = spawn(f, [...a], { stdio: ['ignore', 'pipe', 'pipe'] });
      forwarders.push({ relay, server, sockets, dir });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        relay.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (/listening/.test(out)) resolve();
        });
        relay.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
        relay.once('exit', () => reject(new Error(`the loopback relay for port ${port} exited: ${out}`)));
      });
    },
    async remove() {
      for (const { relay, server, sockets, dir } of forwarders.splice(0)) {
        await stopChild(relay);
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => server.close(resolve));
        await removeTempDir(dir);
      }
      await ip(['netns', 'delete', name]).catch(() => undefined);
      await ip(['link', 'delete', veth]).catch(() => undefined);
    },
  };
}
