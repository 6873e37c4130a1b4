/**
 * A throwaway node network for the proxy's integration tests, built from network namespaces so
 * the host's own ruleset is never touched: a "node" namespace whose address links it to an
 * "outside" namespace (a machine on its LAN, its default gateway) and whose bridge holds the
 * pods' gateway, and "pod" namespaces hanging off the bridge
 * by veth pairs, each able to run tiny TCP/UDP servers that answer with the pod's name. Probes
 * run clients from any of these namespaces and report what a user would see: the name of the
 * pod that answered, or the error.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const exec = promisify(execFile);
/** The address of a machine on the node's LAN, the node's default gateway. */
const OUTSIDE_IP = '192.168.201.2';

export interface TestPod {
  name: string;
  netns: string;
  ip: string;
}

export interface TestNodeNetwork {
  netns: string;
  /** The node's address, on a link to `outside`. */
  nodeIP: string;
  /** A namespace for a client elsewhere on the node's network (the node's default gateway). */
  outside: string;
  pods: TestPod[];
  /** Runs `nft` inside the node namespace. */
  nft: string[];
  conntrack: string[];
  sysctl: string[];
  /** Starts a server in `pod` answering its name on `port` (to any HTTP request, for 'http'); stopped by cleanup. */
  serve(pod: TestPod, protocol: 'tcp' | 'udp' | 'http', port: number): Promise<void>;
  /** Kills every server and deletes the namespaces. */
  cleanup(): Promise<void>;
}

const SERVER = `
const [proto, port, name] = process.argv.slice(1);
if (proto === 'tcp') {
  require('net').createServer((s) => s.end(name)).listen(Number(port), () => console.log('ready'));
} else if (proto === 'http') {
  require('http').createServer((req, res) => res.end(name)).listen(Number(port), () => console.log('ready'));
} else {
  const sock = require('dgram').createSocket('udp4');
  sock.on('message', (_, from) => sock.send(name, from.port, from.address));
  sock.bind(Number(port), () => console.log('ready'));
}`;

const CLIENT = `
const [proto, ip, port, count, localPort] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  if (proto === 'tcp') {
    let data = '';
    const s = require('net').connect({ host: ip, port: Number(port), timeout: 3000 });
    s.on('data', (d) => (data += d));
    s.on('end', () => resolve(data));
    s.on('timeout', () => { s.destroy(); resolve('TIMEOUT'); });
    s.on('error', (e) => resolve(e.code));
  } else {
    const sock = require('dgram').createSocket({ type: 'udp4', reuseAddr: true });
    const done = (v) => { clearTimeout(t); sock.close(); resolve(v); };
    const t = setTimeout(() => done('TIMEOUT'), 2000);
    sock.on('message', (m) => done(String(m)));
    sock.on('error', (e) => done(e.code));
    sock.bind(Number(localPort || 0), () => { sock.connect(Number(port), ip, () => sock.send('x')); });
  }
});
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await once()); console.log(JSON.stringify(out)); })();`;

/**
 * Connects `count` times, one after another, from namespace `netns` to ip:port; each answer is
 * the name of the pod that served it, or an error code (ECONNREFUSED, TIMEOUT...). UDP probes
 * may fix their source port, so they reuse one conntrack flow.
 */
export async function probe(netns: string, protocol: 'tcp' | 'udp', ip: string, port: number, count = 1, localPort?: number): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'exec', netns, process.execPath, '-e', CLIENT, protocol, ip, String(port), String(count), String(localPort ?? 0)]);
  return JSON.parse(stdout);
}

async function ip(...args: string[]): Promise<void> {
  await exec('ip', args);
}

/** A node namespace with `podCount` pods at 10.42.0.2, .3, … behind bridge 10.42.0.1/24. */
export async function createNodeNetwork(podCount: number): Promise<TestNodeNetwork> {
  const id = randomBytes(3).toString('hex');
  const node = `skproxy-${id}`;
  const nodeIP = '192.168.201.1';
  const outside = `skproxy-${id}-out`;
  const namespaces = [node];
  const servers: ChildProcess[] = [];
  const pods: TestPod[] = [];
  const cleanup = async () => {
    for (const s of servers) s.kill('SIGKILL');
    for (const ns of namespaces) await ip('netns', 'del', ns).catch(() => {});
  };
  try {
    await ip('netns', 'add', node);
    const inNode = (...args: string[]) => ip('-n', node, ...args);
    await inNode('link', 'set', 'lo', 'up');
    await ip('netns', 'add', outside);
    namespaces.push(outside);
    await inNode('link', 'add', 'node0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside);
    await inNode('addr', 'add', `${nodeIP}/24`, 'dev', 'node0');
    await inNode('link', 'set', 'node0', 'up');
    await inNode('route', 'add', 'default', 'via', OUTSIDE_IP);
    await ip('-n', outside, 'link', 'set', 'lo', 'up');
    await ip('-n', outside, 'addr', 'add', `${OUTSIDE_IP}/24`, 'dev', 'eth0');
    await ip('-n', outside, 'link', 'set', 'eth0', 'up');
    await inNode('link', 'add', 'br0', 'type', 'bridge');
    await inNode('addr', 'add', '10.42.0.1/24', 'dev', 'br0');
    await inNode('link', 'set', 'br0', 'up');
    await exec('ip', ['netns', 'exec', node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (let i = 0; i < podCount; i++) {
      const pod: TestPod = { name: `pod-${String.fromCharCode(97 + i)}`, netns: `skproxy-${id}-${i}`, ip: `10.42.0.${i + 2}` };
      await ip('netns', 'add', pod.netns);
      namespaces.push(pod.netns);
      const veth = `veth${i}`;
      await inNode('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns);
      await inNode('link', 'set', veth, 'master', 'br0');
      await inNode('link', 'set', veth, 'type', 'bridge_slave', 'hairpin', 'on');
      await inNode('link', 'set', veth, 'up');
      const inPod = (...args: string[]) => ip('-n', pod.netns, ...args);
      await inPod('link', 'set', 'lo', 'up');
      await inPod('addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
      await inPod('link', 'set', 'eth0', 'up');
      await inPod('route', 'add', 'default', 'via', '10.42.0.1');
      pods.push(pod);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  const inNode = (tool: string) => ['ip', 'netns', 'exec', node, tool];
  return {
    netns: node,
    nodeIP,
    outside,
    pods,
    nft: inNode('nft'),
    conntrack: inNode('conntrack'),
    sysctl: inNode('sysctl'),
    async serve(pod, protocol, port) {
      const child = spawn('ip', ['netns', 'exec', pod.netns, process.execPath, '-e', SERVER, protocol, String(port), pod.name], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`server in ${pod.netns} exited with ${code}`)));
      });
    },
    cleanup,
  };
}
