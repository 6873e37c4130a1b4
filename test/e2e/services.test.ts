/**
 * Services and cluster DNS as a user sees them (issue #6's acceptance): `skiff up` as one node
 * in a network namespace of its own (node-netns.ts), the real kubectl, real runc. Three busybox
 * httpd replicas answering their host name behind a NodePort Service and a headless one, and a
 * client pod: by DNS name and by ClusterIP every replica answers; the NodePort answers on the
 * node's address and on loopback, and from the machine; the node reaches every ClusterIP; a pod
 * reaches itself through its Service; DNS answers for Services and headless Services; a deleted
 * replica leaves the rotation without a failed request; no replicas means refused at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { OciRuntime } from '../../src/kubelet/runtime/oci-runtime.ts';
import { containerTestsSkipReason } from '../../src/kubelet/runtime/runtime.test-support.ts';
import { makeTempDir, removeTempDir, REPO_ROOT, run, stopChild, waitFor, type Kubectl, type SkiffProcess } from './harness.ts';
import { createNodeNetns, type NodeNetns } from './node-netns.ts';

const exec = promisify(execFile);
const IMAGE = 'skiff.test/busybox:services-e2e';
const NS = 'svc-e2e';
const APP = 'web';
/** Each replica answers its host name (its pod name); SIGTERM is ignored so it serves through its grace period, as a server draining connections does. */
const HTTPD = "trap '' TERM; mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www";
/** Connects to argv[1]:argv[2] over TCP; exit 0 once connected, 1 on error or after 5 s. */
const TCP_CONNECT = "const s = require('node:net').connect(Number(process.argv[2]), process.argv[1], () => process.exit(0)); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 5000);";

describe('Services and cluster DNS on a node of their own', { skip: containerTestsSkipReason(), timeout: 300_000 }, () => {
  let root: string;
  let node: NodeNetns | undefined;
  let server: SkiffProcess | undefined;
  let kubectl: Kubectl | undefined;
  const nodeName = `svc-e2e-${process.pid}`;

  const k = (args: string[], options?: { stdin?: string; timeoutMs?: number }) => kubectl!(args, options);
  const serverLog = () => server?.output().split('\n').slice(-40).join('\n') ?? '';

  /** `sh -c SCRIPT` in a pod's container. */
  async function sh(pod: string, script: string, timeoutMs = 120_000) {
    return k(['exec', pod, '-n', NS, '--', 'sh', '-c', script], { timeoutMs });
  }

  /** What `count` sequential requests to `url` from `pod` answered: a host name each, or FAILED. */
  async function fetchMany(pod: string, url: string, count: number): Promise<string[]> {
    const r = await sh(pod, `for i in $(seq ${count}); do timeout 5 wget -qO- ${url} || echo FAILED; done`);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n');
  }

  /** Waits until one request from `pod` to `url` is answered (the proxy programs rules as endpoints change). */
  async function waitForAnswer(pod: string, url: string): Promise<void> {
    let last = '';
    await waitFor(async () => {
      const r = await sh(pod, `timeout 5 wget -qO- ${url}`, 30_000);
      last = r.stdout + r.stderr;
      return r.code === 0;
    }, { timeoutMs: 60_000, intervalMs: 500, message: () => `${pod} never got an answer from ${url}; last: ${last}\n${serverLog()}` });
  }

  /** The names of the replicas that are Running and Ready, and their pod IPs. */
  async function readyReplicas(): Promise<Map<string, string>> {
    const r = await k(['get', 'pods', '-n', NS, '-l', `app=${APP}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.podIP} {.metadata.deletionTimestamp} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    const ready = new Map<string, string>();
    for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
      const [name, ip, ...rest] = line.split(' ');
      if (rest.join(' ').trim() === 'True') ready.set(name, ip);
    }
    return ready;
  }

  async function waitForReplicas(count: number): Promise<Map<string, string>> {
    let seen = new Map<string, string>();
    return waitFor(async () => {
      seen = await readyReplicas();
      const all = (await k(['get', 'pods', '-n', NS, '-l', `app=${APP}`, '-o', 'name'])).stdout.trim().split('\n').filter(Boolean);
      return seen.size === count && all.length === count ? seen : undefined;
    }, { timeoutMs: 120_000, intervalMs: 500, message: () => `never ${count} ready replicas (saw ${[...seen.keys()]})\n${serverLog()}` });
  }

  async function jsonPath(kind: string, name: string, expr: string): Promise<string> {
    const r = await k(['get', kind, name, '-n', NS, '-o', `jsonpath=${expr}`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  }

  before(async () => {
    root = await makeTempDir('services');
    const dataDir = path.join(root, 'data');
    const home = path.join(root, 'home');
    await mkdir(home);
    await mkdir(path.join(dataDir, 'agent', 'images'), { recursive: true });
    await exec(path.join(REPO_ROOT, 'scripts', 'build-busybox-image.sh'), [path.join(dataDir, 'agent', 'images', 'busybox.tar'), IMAGE]);
    node = await createNodeNetns();
    server = node.spawnSkiff(['up', '--data-dir', dataDir, '--kubelet-port', '0', '--node-name', nodeName, '--node-ip', node.nodeAddress]);
    await server.waitForOutput(/node agent running: node /, 120_000);
    kubectl = node.kubectl(path.join(dataDir, 'kubeconfig.yaml'), path.join(root, 'kube-cache'), home);

    const template = {
      metadata: { labels: { app: APP } },
      spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'httpd', image: IMAGE, command: ['sh', '-c', HTTPD], ports: [{ containerPort: 8080 }] }] },
    };
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: APP, namespace: NS }, spec: { replicas: 3, selector: { matchLabels: { app: APP } }, template } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: APP, namespace: NS }, spec: { type: 'NodePort', selector: { app: APP }, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: `${APP}-headless`, namespace: NS }, spec: { clusterIP: 'None', selector: { app: APP }, ports: [{ port: 8080 }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }] } },
    ];
    for (const o of objects) {
      const created = await k(['create', '--validate=false', '-f', '-'], { stdin: JSON.stringify(o) });
      assert.equal(created.code, 0, `${created.stderr}\n${serverLog()}`);
    }
    await waitForReplicas(3);
    await waitFor(async () => (await jsonPath('pod', 'client', '{.status.phase}')) === 'Running', { timeoutMs: 90_000, intervalMs: 500, message: () => `the client pod never ran\n${serverLog()}` });
  });

  after(async () => {
    if (process.env.SKIFF_TEST_LOGS) console.error(server?.output());
    // Pods first, while the agent runs, so their containers, mounts and namespace files go.
    if (kubectl && server?.child.exitCode === null) {
      await k(['delete', 'deployment', '--all', '-n', NS, '--wait=false']).catch(() => undefined);
      await k(['delete', 'pods', '--all', '-n', NS, '--timeout=60s'], { timeoutMs: 70_000 }).catch(() => undefined);
    }
    if (server) {
      server.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, 20_000, 'gave up')));
      if ((await Promise.race([server.exited, gaveUp])) === 'gave up') await stopChild(server.child);
      clearTimeout(timer);
    }
    // Whatever a failure left behind.
    if (root) {
      const runtime = new OciRuntime({ rootDir: path.join(root, 'data', 'agent') });
      for (const c of await runtime.listContainers().catch(() => [])) await runtime.removeContainer(c.id).catch(() => undefined);
      for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
    }
    await node?.remove();
    if (root) await removeTempDir(root);
  });

  test('from another pod, the Service by DNS name and by ClusterIP reaches every replica', async () => {
    const replicas = [...(await readyReplicas()).keys()].sort();
    const clusterIP = await jsonPath('svc', APP, '{.spec.clusterIP}');
    for (const url of [`http://${APP}`, `http://${clusterIP}`]) {
      await waitForAnswer('client', url);
      const answers = await fetchMany('client', url, 60);
      assert.deepEqual(answers.filter((a) => !replicas.includes(a)), [], `${url}: answers from no replica`);
      assert.deepEqual([...new Set(answers)].sort(), replicas, url);
    }
  });

  test('the NodePort answers on the node’s address, on its loopback, and from the machine', async () => {
    const replicas = [...(await readyReplicas()).keys()];
    const nodePort = await jsonPath('svc', APP, '{.spec.ports[0].nodePort}');
    assert.match(nodePort, /^3\d{4}$/);
    for (const address of [node!.nodeAddress, '127.0.0.1']) {
      const r = await node!.run('/bin/busybox', ['timeout', '10', 'wget', '-qO-', `http://${address}:${nodePort}/`]);
      assert.equal(r.code, 0, `${address}:${nodePort}: ${r.stderr}`);
      assert.ok(replicas.includes(r.stdout.trim()), `${address}:${nodePort} answered ${r.stdout}`);
    }
    const fromMachine = await run('/bin/busybox', ['timeout', '10', 'wget', '-qO-', `http://${node!.nodeAddress}:${nodePort}/`]);
    assert.equal(fromMachine.code, 0, fromMachine.stderr);
    assert.ok(replicas.includes(fromMachine.stdout.trim()), fromMachine.stdout);
  });

  test('the node reaches every ClusterIP', async () => {
    const r = await k(['get', 'svc', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.clusterIP} {range .spec.ports[*]}{.protocol}:{.port},{end}{"\\n"}{end}']);
    assert.equal(r.code, 0, r.stderr);
    const services = r.stdout.trim().split('\n').map((l) => l.split(' ')).filter(([, ip]) => ip !== 'None');
    assert.ok(services.some(([name]) => name === 'default/kubernetes') && services.some(([name]) => name === 'kube-system/kube-dns'), r.stdout);
    for (const [name, ip, ports] of services) {
      for (const port of ports.split(',').filter(Boolean)) {
        const [protocol, number] = port.split(':');
        if (protocol === 'TCP') {
          const connected = await node!.run(process.execPath, ['-e', TCP_CONNECT, ip, number]);
          assert.equal(connected.code, 0, `${name} at ${ip}:${number}/TCP: ${connected.stderr}`);
        } else {
          // UDP: the only one is the cluster DNS; ask it a question.
          const answer = await node!.run('/bin/busybox', ['timeout', '10', 'nslookup', `${APP}.${NS}.svc.cluster.local`, ip]);
          assert.match(answer.stdout, new RegExp(`Name:\\s+${APP}\\.${NS}\\.svc\\.cluster\\.local`), `${name} at ${ip}:${number}/UDP: ${answer.stdout}${answer.stderr}`);
        }
      }
    }
  });

  test('a pod reaches itself through its own Service (hairpin)', async () => {
    const [self] = [...(await readyReplicas()).keys()];
    const answers = await fetchMany(self, `http://${APP}`, 40);
    assert.ok(!answers.includes('FAILED'), answers.join(' '));
    assert.ok(answers.includes(self), `${self} never reached itself: ${answers.join(' ')}`);
  });

  test('cluster DNS answers a Service with its ClusterIP and a headless Service with the ready pod IPs', async () => {
    const clusterIP = await jsonPath('svc', APP, '{.spec.clusterIP}');
    const addresses = (text: string) => [...text.matchAll(/^Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]).sort();
    // Answers follow the Services and EndpointSlices through the DNS server's watch, and a lookup
    // on a busy machine can time out: ask until the answer is the expected set (bounded), then
    // hold the last answer to it.
    const settledLookup = async (name: string, want: string[]) => {
      let last = { stdout: '', stderr: '' };
      const settled = async () => {
        last = await sh('client', `nslookup ${name}`);
        return JSON.stringify(addresses(last.stdout)) === JSON.stringify(want);
      };
      await waitFor(settled, { timeoutMs: 20_000, intervalMs: 500 }).catch(() => undefined);
      assert.deepEqual(addresses(last.stdout), want, last.stdout + last.stderr);
    };
    await settledLookup(`${APP}.${NS}.svc.cluster.local`, [clusterIP]);
    await settledLookup(`${APP}-headless.${NS}.svc.cluster.local`, [...(await readyReplicas()).values()].sort());
  });

  test('a deleted replica leaves the rotation before a request fails', async () => {
    const [victim] = [...(await readyReplicas()).keys()];
    // Requests run on while the replica is deleted, until the test says stop.
    const stop = '/tmp/stop-requests';
    const during = sh('client', `rm -f ${stop}; while [ ! -f ${stop} ]; do timeout 5 wget -qO- http://${APP} || echo FAILED; done`);
    const deleted = await k(['delete', 'pod', victim, '-n', NS, '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(deleted.code, 0, deleted.stderr);
    const touched = await sh('client', `touch ${stop}`);
    assert.equal(touched.code, 0, touched.stderr);
    const answers = (await during).stdout.trim().split('\n');
    assert.ok(answers.length > 1 && !answers.includes('FAILED'), `requests failed while ${victim} went: ${answers.join(' ')}`);
    const afterwards = await fetchMany('client', `http://${APP}`, 30);
    assert.ok(!afterwards.includes('FAILED') && !afterwards.includes(victim), afterwards.join(' '));
    await waitForReplicas(3);
  });

  test('with no replicas requests are refused at once; scaling back restores them', async () => {
    const scaled = await k(['scale', 'deployment', APP, '-n', NS, '--replicas=0']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await waitForReplicas(0);
    await waitFor(async () => (await k(['get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${APP}`, '-o', 'jsonpath={.items[*].endpoints[*].addresses}'])).stdout.trim() === '', { timeoutMs: 30_000, intervalMs: 200 });
    const refused = await sh('client', `timeout 10 wget -qO- http://${APP}; echo "exit $?"`);
    // timeout's own status (124 or 143) would mean the request hung.
    assert.match(refused.stdout, /exit 1$/m, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /refused/i, refused.stderr);

    const back = await k(['scale', 'deployment', APP, '-n', NS, '--replicas=3']);
    assert.equal(back.code, 0, back.stderr);
    const replicas = [...(await waitForReplicas(3)).keys()].sort();
    await waitForAnswer('client', `http://${APP}`);
    const answers = await fetchMany('client', `http://${APP}`, 60);
    assert.deepEqual([...new Set(answers)].sort(), replicas);
  });
});
