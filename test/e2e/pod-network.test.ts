/**
 * The pod network end to end: a real API server, the node-ipam controller and an in-process
 * kubelet with real runc. The Node gets a pod CIDR; two busybox pods get distinct podIPs from
 * it (status.podIP and podIPs, as kubectl shows them) and one fetches a page the other serves,
 * by IP. The bridge, nftables table and cluster CIDR are this test's own, so a running
 * `skiff up` on the machine is not disturbed; everything is removed afterwards.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../src/api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../../src/client/control-plane.test-support.ts';
import { nodeIpamController } from '../../src/controllers/node-ipam.ts';
import { startControllers } from '../../src/controllers/test-harness.test-support.ts';
import { startKubelet, type RunningKubelet } from '../../src/kubelet/index.ts';
import { PodNetwork } from '../../src/kubelet/network/index.ts';
import { cidrContains, parseCidr, parseIpv4 } from '../../src/kubelet/network/ipv4.ts';
import { OciRuntime } from '../../src/kubelet/runtime/oci-runtime.ts';
import { containerTestsSkipReason } from '../../src/kubelet/runtime/runtime.test-support.ts';

const run = promisify(execFile);
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const IMAGE = 'skiff.test/busybox:pod-network';
const REPO = join(import.meta.dirname, '..', '..');

describe('pod network', { skip: containerTestsSkipReason(), timeout: 180_000 }, () => {
  const tag = (process.pid % 0xfffff).toString(16);
  const network = { clusterCidr: `10.${150 + (process.pid % 50)}.0.0/16`, bridge: `ske${tag}`, table: `skiff-net-e2e-${tag}`, routeProtocol: 215 };
  const nodeName = `podnet-${process.pid}`;
  let cluster: TestCluster;
  let controllers: { stop(): Promise<void> } | undefined;
  let kubelet: RunningKubelet | undefined;
  let rootDir: string;
  const logs: string[] = [];

  const getPod = (name: string) => cluster.client.get<Pod>(PODS, 'default', name);
  const pod = (name: string, script: string): Pod => ({
    metadata: { name, namespace: 'default' },
    spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', script] }] },
  });

  before(async () => {
    cluster = await startTestCluster();
    rootDir = await mkdtemp(join(tmpdir(), 'skiff-podnet-e2e-'));
    await mkdir(join(rootDir, 'images'), { recursive: true });
    await run(join(REPO, 'scripts', 'build-busybox-image.sh'), [join(rootDir, 'images', 'busybox.tar'), IMAGE]);
    kubelet = await startKubelet({ kubeconfigPath: cluster.plane.kubeconfigPath, nodeName, rootDir, kubeletPort: 0, nodeIP: '127.0.0.1', network, log: (l) => logs.push(`${new Date().toISOString()} ${l}`) });
  });

  after(async () => {
    if (process.env.SKIFF_TEST_LOGS) console.error(logs.join('\n'));
    await kubelet?.stop();
    // The kubelet leaves its pods running by design: remove them, with their veths and addresses.
    const podNetwork = new PodNetwork({ ...network, stateDir: join(rootDir, 'network') });
    const runtime = new OciRuntime({ rootDir, network: podNetwork });
    for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
    await podNetwork.removeNodeNetwork().catch(() => undefined);
    await controllers?.stop();
    await cluster?.cleanup();
    await rm(rootDir, { recursive: true, force: true });
  });

  test('the node is not Ready until it has a pod CIDR, then turns Ready', async () => {
    const readyOf = async () => (await cluster.client.get<Node>(NODES, undefined, nodeName).catch(() => undefined))?.status?.conditions?.find((c) => c.type === 'Ready');
    let notReady: Awaited<ReturnType<typeof readyOf>>;
    await waitFor('the node registered', async () => Boolean((notReady = await readyOf())), 30_000);
    assert.equal(notReady!.status, 'False');
    assert.equal(notReady!.message, 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:the node has no pod CIDR yet (is the node-ipam controller running?)');
    controllers = await startControllers(cluster.plane.kubeconfigPath, [nodeIpamController], { clusterCidr: network.clusterCidr, nodeCidrMaskSize: 24 });
    await waitFor('the node Ready', async () => (await readyOf())?.status === 'True', 30_000);
  });

  test('two pods get distinct IPs from the node’s pod CIDR and reach each other by IP', async () => {
    await waitFor('a pod CIDR on the node', async () => Boolean((await cluster.client.get<Node>(NODES, undefined, nodeName).catch(() => undefined))?.spec?.podCIDR), 30_000);
    const podCidr = (await cluster.client.get<Node>(NODES, undefined, nodeName)).spec!.podCIDR!;
    assert.ok(cidrContains(parseCidr(network.clusterCidr), parseCidr(podCidr).network), `${podCidr} is not inside ${network.clusterCidr}`);

    await cluster.client.create<Pod>(PODS, pod('server', 'mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -p 8080 -h /www'));
    await cluster.client.create<Pod>(PODS, pod('client', 'exec sleep 3600'));
    const running = async (name: string) => (await getPod(name)).status?.containerStatuses?.[0]?.state?.running !== undefined;
    await waitFor('both pods Running', async () => (await running('server')) && (await running('client')), 90_000).catch((err) => {
      throw new Error(`${err.message}\n${logs.slice(-20).join('\n')}`);
    });

    const [server, client] = [await getPod('server'), await getPod('client')];
    const ips = [server.status?.podIP, client.status?.podIP];
    for (const [i, p] of [server, client].entries()) {
      assert.ok(ips[i] && cidrContains(parseCidr(podCidr), parseIpv4(ips[i]!)!), `pod ${p.metadata?.name} has IP ${ips[i]}, not in ${podCidr}`);
      assert.deepEqual(p.status?.podIPs, [{ ip: ips[i] }]);
    }
    assert.notEqual(ips[0], ips[1]);

    const runtime = new OciRuntime({ rootDir });
    const clientId = client.status!.containerStatuses![0].containerID!.replace(/^[a-z]+:\/\//, '');
    let page = '';
    await waitFor('the client to fetch the server’s page by IP', async () => {
      let out = '';
      const stdout = new Writable({ write: (chunk, _e, done) => ((out += chunk), done()) });
      const { exitCode } = await runtime.exec(clientId, ['timeout', '5', 'wget', '-q', '-O', '-', `http://${ips[0]}:8080/`], { tty: false, stdout, timeoutMs: 10_000 });
      page = out;
      return exitCode === 0;
    }, 30_000);
    assert.equal(page, 'hello-from-server\n');
  });
});
