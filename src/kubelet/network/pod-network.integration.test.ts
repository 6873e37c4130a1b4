/**
 * The pod network with real parts, as root: a bridge (its own name, so a running `skiff up` is
 * not touched), two sandboxes' network namespaces joined by veth pairs, an nftables table of
 * its own. Pods reach each other (ping, HTTP), a hostPort answers from the node, from another
 * pod and from the pod itself (hairpin), the IPAM survives a restart, host-gateway routes go in
 * and come out, and everything is removed afterwards.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Node } from 'kubernetes-types/core/v1.js';
import { waitFor } from '../../client/control-plane.test-support.ts';
import { HostGatewayRoutes } from './host-gateway.ts';
import { hostVethName } from './pod-interface.ts';
import { PodNetwork } from './pod-network.ts';

const run = promisify(execFile);

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, links, nftables)';
  return undefined;
}

describe('pod network', { skip: skipReason(), timeout: 60_000 }, () => {
  const tag = (process.pid % 0xfffff).toString(16);
  // A range no real cluster here uses, different per test process.
  const octet = 100 + (process.pid % 100);
  const clusterCidr = `10.${octet}.0.0/16`;
  const podCidr = `10.${octet}.7.0/24`;
  const gateway = `10.${octet}.7.1`;
  const options = () => ({ stateDir: join(dir, 'network'), clusterCidr, bridge: `skt${tag}`, table: `skiff-net-test-${tag}`, mtu: 1400 });
  let dir: string;
  let network: PodNetwork;
  const netns = (id: string) => join(dir, 'netns', id);
  const inPod = (id: string, ...argv: string[]) => run('nsenter', [`--net=${netns(id)}`, ...argv]);
  const wget = (id: string, url: string) => inPod(id, 'timeout', '5', '/bin/busybox', 'wget', '-q', '-O', '-', url);
  const servers: ChildProcess[] = [];
  const ips = new Map<string, string>();

  async function makeNetns(id: string): Promise<void> {
    await mkdir(join(dir, 'netns'), { recursive: true });
    await writeFile(netns(id), '');
    await run('unshare', [`--net=${netns(id)}`, 'true']);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-podnet-'));
    network = new PodNetwork(options());
    await network.configure(podCidr);
    for (const id of ['pod-a', 'pod-b']) await makeNetns(id);
    ips.set('pod-a', (await network.setUp({ id: 'pod-a', netnsPath: netns('pod-a'), portMappings: [] })).ip);
    ips.set('pod-b', (await network.setUp({ id: 'pod-b', netnsPath: netns('pod-b'), portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort: 18080 + (process.pid % 1000) }] })).ip);
    const www = join(dir, 'www');
    await mkdir(www);
    await writeFile(join(www, 'index.html'), 'hello from pod-b\n');
    const server = spawn('nsenter', [`--net=${netns('pod-b')}`, '/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
    servers.push(server);
    await waitFor('pod-b serving', () => wget('pod-b', 'http://127.0.0.1:8080/').then(() => true, () => false));
  });

  after(async () => {
    for (const s of servers) s.kill('SIGKILL');
    for (const id of ['pod-a', 'pod-b', 'pod-c', 'pod-d']) await network?.tearDown(id).catch(() => undefined);
    await network?.removeNodeNetwork().catch(() => undefined);
    for (const id of ['pod-a', 'pod-b', 'pod-c', 'pod-d']) await run('umount', [netns(id)]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  test('each pod gets an address of the pod CIDR after the gateway, on eth0 with a default route', async () => {
    assert.deepEqual([...ips.values()], [`10.${octet}.7.2`, `10.${octet}.7.3`]);
    const { stdout: addr } = await inPod('pod-a', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0');
    assert.match(addr, new RegExp(`inet ${ips.get('pod-a')!.replaceAll('.', '\\.')}/24`));
    const { stdout: route } = await inPod('pod-a', 'ip', 'route', 'show', 'default');
    assert.match(route, new RegExp(`default via ${gateway.replaceAll('.', '\\.')} dev eth0`));
    const { stdout: lo } = await inPod('pod-a', 'ip', '-o', 'link', 'show', 'lo');
    assert.match(lo, /UP/);
  });

  test('pods reach each other by IP: ping and HTTP', async () => {
    await inPod('pod-a', '/bin/busybox', 'ping', '-c', '1', '-W', '5', ips.get('pod-b')!);
    assert.equal((await wget('pod-a', `http://${ips.get('pod-b')}:8080/`)).stdout, 'hello from pod-b\n');
  });

  test('the hostPort answers from the node (gateway and loopback), from another pod and from the pod itself', async () => {
    const port = 18080 + (process.pid % 1000);
    const fromNode = await run('timeout', ['5', '/bin/busybox', 'wget', '-q', '-O', '-', `http://${gateway}:${port}/`]);
    assert.equal(fromNode.stdout, 'hello from pod-b\n');
    const fromLoopback = await run('timeout', ['5', '/bin/busybox', 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/`]);
    assert.equal(fromLoopback.stdout, 'hello from pod-b\n');
    assert.equal((await wget('pod-a', `http://${gateway}:${port}/`)).stdout, 'hello from pod-b\n');
    assert.equal((await wget('pod-b', `http://${gateway}:${port}/`)).stdout, 'hello from pod-b\n');
  });

  test('setting up again (a restarted kubelet) gives the same address and changes nothing', async () => {
    const again = new PodNetwork(options());
    await again.configure(podCidr);
    const { ip } = await again.setUp({ id: 'pod-a', netnsPath: netns('pod-a'), portMappings: [] });
    assert.equal(ip, ips.get('pod-a'));
    assert.equal((await wget('pod-a', `http://${ips.get('pod-b')}:8080/`)).stdout, 'hello from pod-b\n');
  });

  test('tear-down removes the veth and frees the address for the next pod', async () => {
    await makeNetns('pod-c');
    const { ip } = await network.setUp({ id: 'pod-c', netnsPath: netns('pod-c'), portMappings: [] });
    assert.equal(ip, `10.${octet}.7.4`);
    await network.tearDown('pod-c');
    await assert.rejects(access(`/sys/class/net/${hostVethName('pod-c')}`));
    assert.ok(!(await readdir(join(dir, 'network', 'ipam'))).includes(ip));
    await network.tearDown('pod-c');
  });

  test('garbage collection frees what sandboxes that are gone still hold', async () => {
    await makeNetns('pod-d');
    const { ip } = await network.setUp({ id: 'pod-d', netnsPath: netns('pod-d'), portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 15353 }] });
    assert.deepEqual(await network.collectGarbage(['pod-a', 'pod-b']), ['pod-d']);
    await assert.rejects(access(`/sys/class/net/${hostVethName('pod-d')}`));
    assert.ok(!(await readdir(join(dir, 'network', 'ipam'))).includes(ip));
    assert.deepEqual(await network.collectGarbage(['pod-a', 'pod-b']), []);
    assert.equal((await wget('pod-a', `http://${ips.get('pod-b')}:8080/`)).stdout, 'hello from pod-b\n');
  });

  test('host-gateway routes to other nodes go in, follow them and come out', async () => {
    const routes = new HostGatewayRoutes({ run: async (argv) => (await run(argv[0], argv.slice(1))).stdout, nodeName: 'self', protocol: 214, log: () => {} });
    const other = `10.${octet}.9.0/24`;
    const node = (name: string, cidr: string, ip: string): Node => ({ metadata: { name }, spec: { podCIDR: cidr }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });
    try {
      assert.equal(await routes.sync([node('self', podCidr, '192.0.2.1'), node('other', other, ips.get('pod-a')!)]), 0);
      assert.deepEqual(await routes.current(), [{ destination: other, gateway: ips.get('pod-a')! }]);
      assert.equal(await routes.sync([node('self', podCidr, '192.0.2.1'), node('other', other, ips.get('pod-b')!)]), 0);
      assert.deepEqual(await routes.current(), [{ destination: other, gateway: ips.get('pod-b')! }]);
      assert.equal(await routes.sync([node('self', podCidr, '192.0.2.1')]), 0);
      assert.deepEqual(await routes.current(), []);
    } finally {
      await run('ip', ['route', 'del', other, 'proto', '214']).catch(() => undefined);
    }
  });
});
