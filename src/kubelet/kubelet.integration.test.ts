/**
 * The kubelet against a real control plane, with real crun (the default runtime) and a real
 * image store: the Node as kubectl shows it, a pod run to Running, an exit reported, a deletion
 * that removes the container, and a restarted kubelet adopting a running container (same PID).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isNotFound } from '../client/index.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { startKubelet, type RunningKubelet } from './kubelet.ts';
import { OciRuntime } from './runtime/oci-runtime.ts';
import { containerTestsSkipReason } from './runtime/runtime.test-support.ts';

const run = promisify(execFile);
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const IMAGE = 'skiff.test/busybox:1';
const REPO = join(import.meta.dirname, '..', '..');
const skip = containerTestsSkipReason();

describe('kubelet', { skip, timeout: 180_000 }, () => {
  let cluster: TestCluster;
  let rootDir: string;
  let kubelet: RunningKubelet | undefined;
  let cacheDir: string;
  const nodeName = `kt-${process.pid}`;
  const logs: string[] = [];
  const start = () => startKubelet({ kubeconfigPath: cluster.plane.kubeconfigPath, nodeName, rootDir, kubeletPort: 0, log: (l) => logs.push(l) });
  const kubectl = async (...args: string[]) =>
    (await run('kubectl', ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', cacheDir, ...args], { env: { PATH: process.env.PATH, HOME: cacheDir } })).stdout;
  const getPod = (name: string) => cluster.client.get<Pod>(PODS, 'default', name);
  const podSpec = (name: string, command: string[], restartPolicy = 'Always'): Pod => ({
    metadata: { name, namespace: 'default' },
    spec: { nodeName, restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, command }] },
  });

  before(async () => {
    cluster = await startTestCluster();
    rootDir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-'));
    cacheDir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-kubectl-'));
    await mkdir(join(rootDir, 'images'), { recursive: true });
    await run(join(REPO, 'scripts', 'build-busybox-image.sh'), [join(rootDir, 'images', 'busybox.tar'), IMAGE]);
    kubelet = await start();
  });

  after(async () => {
    if (process.env.SKIFF_TEST_LOGS) console.error(logs.join('\n'));
    await kubelet?.stop();
    // Whatever a failed test left running goes with its sandbox.
    const runtime = new OciRuntime({ rootDir });
    for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
    for (const c of await runtime.listContainers().catch(() => [])) await runtime.removeContainer(c.id).catch(() => undefined);
    await cluster?.cleanup();
    await rm(rootDir, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  test('registers a Ready node with its facts, and renews its Lease', async () => {
    await waitFor('node Ready', async () => {
      const node = await cluster.client.get<Node>(NODES, undefined, nodeName).catch(() => undefined);
      return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    });
    const node = await cluster.client.get<Node>(NODES, undefined, nodeName);
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], nodeName);
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^(crun|runc):\/\/\d/);
    assert.ok(node.status?.images?.some((i) => i.names?.includes('skiff.test/busybox:1')));
    // The Lease is made beside the Node's status, not before it: Ready can come first.
    let lease: Lease | undefined;
    await waitFor('the node Lease', async () => (lease = await cluster.client.get<Lease>(LEASES, 'kube-node-lease', nodeName).catch(() => undefined)) !== undefined);
    assert.equal(lease?.spec?.holderIdentity, nodeName);

    const wide = await kubectl('get', 'nodes', '-o', 'wide');
    const row = wide.split('\n').find((l) => l.startsWith(nodeName)) ?? '';
    assert.match(row, /\bReady\b/);
    assert.match(row, /v1\.32\.0/);
    assert.match(row, /(crun|runc):\/\//);
    const described = await kubectl('describe', 'node', nodeName);
    for (const want of ['KubeletReady', 'kubelet is posting ready status', 'Capacity:', 'Allocatable:', 'Kubelet Version:', 'Container Runtime Version:', 'InternalIP:']) {
      assert.ok(described.includes(want), `describe node lacks ${want}:\n${described}`);
    }
  });

  test('runs a pod to Running, reports an exit, and removes the container on deletion', async () => {
    await cluster.client.create<Pod>(PODS, podSpec('sleeper', ['sleep', '3600']));
    await waitFor('sleeper Running', async () => (await getPod('sleeper')).status?.containerStatuses?.[0]?.state?.running !== undefined, 60_000);
    const running = await getPod('sleeper');
    assert.equal(running.status?.phase, 'Running');
    const status = running.status!.containerStatuses![0];
    assert.match(status.containerID ?? '', /^(crun|runc):\/\/[0-9a-f]+$/);
    assert.equal(status.ready, true);
    assert.equal(running.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    await cluster.client.create<Pod>(PODS, podSpec('quitter', ['sh', '-c', 'echo bye; exit 3'], 'Never'));
    await waitFor('quitter Failed', async () => (await getPod('quitter')).status?.phase === 'Failed', 60_000);
    const terminated = (await getPod('quitter')).status!.containerStatuses![0].state!.terminated!;
    assert.equal(terminated.exitCode, 3);
    assert.equal(terminated.reason, 'Error');

    const described = await kubectl('describe', 'pod', 'sleeper');
    for (const want of ['Created container main', 'Started container main', `already present on machine`]) {
      assert.ok(described.includes(want), `describe pod lacks ${want}:\n${described}`);
    }

    const id = status.containerID!.replace(/^[a-z]+:\/\//, '');
    await cluster.client.delete(PODS, 'default', 'sleeper');
    await waitFor('sleeper gone', async () => getPod('sleeper').then(() => false, (err) => isNotFound(err)), 60_000);
    const runtime = new OciRuntime({ rootDir });
    assert.equal(await runtime.containerStatus(id), undefined);
  });

  test('volumes, env and the pod files reach the container; its output reaches the log', async () => {
    const configMaps = findResource('', 'v1', 'configmaps')!;
    await cluster.client.create(configMaps, { metadata: { name: 'settings', namespace: 'default' }, data: { greeting: 'hello-from-file', word: 'hello-from-env' } });
    const pod = podSpec('reader', [], 'Always');
    const c = pod.spec!.containers[0];
    c.env = [
      { name: 'WORD', valueFrom: { configMapKeyRef: { name: 'settings', key: 'word' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ];
    c.command = ['sh', '-c', 'echo "$(cat /cfg/greeting) $WORD $POD_NAME"; hostname; echo shared > /scratch/x; cat /scratch/x; sleep 3600'];
    c.volumeMounts = [{ name: 'cfg', mountPath: '/cfg' }, { name: 'scratch', mountPath: '/scratch' }];
    pod.spec!.volumes = [{ name: 'cfg', configMap: { name: 'settings' } }, { name: 'scratch', emptyDir: {} }];
    const created = await cluster.client.create<Pod>(PODS, pod);
    await waitFor('reader Running', async () => (await getPod('reader')).status?.containerStatuses?.[0]?.state?.running !== undefined, 60_000);
    const logPath = join(rootDir, 'logs', `default_reader_${created.metadata!.uid}`, 'main', '0.log');
    let text = '';
    await waitFor('the output in the log', async () => {
      text = await readFile(logPath, 'utf8').catch(() => '');
      return text.includes('shared');
    });
    assert.match(text, /stdout F hello-from-file hello-from-env reader\n/);
    assert.match(text, /stdout F reader\n/);
    await cluster.client.delete(PODS, 'default', 'reader');
    await waitFor('reader gone', async () => getPod('reader').then(() => false, (err) => isNotFound(err)), 60_000);
  });

  test('a crashing container is restarted, then backs off', async () => {
    await cluster.client.create<Pod>(PODS, podSpec('crasher', ['sh', '-c', 'exit 1']));
    await waitFor(
      'crasher in CrashLoopBackOff',
      async () => (await getPod('crasher')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      60_000,
    );
    const status = (await getPod('crasher')).status!;
    const c = status.containerStatuses![0];
    assert.equal(status.phase, 'Running');
    assert.ok(c.restartCount! >= 1);
    assert.match(c.state!.waiting!.message!, /^back-off \d+s restarting failed container=main pod=crasher_default\(/);
    assert.equal(c.lastState?.terminated?.exitCode, 1);
    await cluster.client.delete(PODS, 'default', 'crasher');
  });

  test('readiness flips Ready; a liveness failure restarts the container', async () => {
    const ready = podSpec('ready-later', ['sh', '-c', 'sleep 2; touch /tmp/ready; sleep 3600']);
    ready.spec!.containers[0].readinessProbe = { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 };
    const dying = podSpec('dies-inside', ['sh', '-c', 'touch /tmp/alive; sleep 2; rm /tmp/alive; sleep 3600']);
    dying.spec!.containers[0].livenessProbe = { exec: { command: ['cat', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 1 };
    await cluster.client.create<Pod>(PODS, ready);
    await cluster.client.create<Pod>(PODS, dying);
    await waitFor('ready-later running but not ready', async () => {
      const c = (await getPod('ready-later')).status?.containerStatuses?.[0];
      return c?.state?.running !== undefined && c.ready === false;
    }, 60_000);
    await waitFor('ready-later Ready', async () => (await getPod('ready-later')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 60_000);
    await waitFor('dies-inside restarted', async () => ((await getPod('dies-inside')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000);
    const described = await kubectl('describe', 'pod', 'dies-inside');
    assert.match(described, /Liveness probe failed/);
    await cluster.client.delete(PODS, 'default', 'ready-later');
    await cluster.client.delete(PODS, 'default', 'dies-inside');
  });

  test('postStart runs after the start; preStop runs before the stop', async () => {
    const hostDir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-hooks-'));
    try {
      const pod = podSpec('hooked', ['sh', '-c', 'while [ ! -f /tmp/started ]; do sleep 0.1; done; echo saw-poststart; sleep 3600']);
      // Room for the preStop exec within the grace period; the shell ignores SIGTERM, so all of it is used.
      pod.spec!.terminationGracePeriodSeconds = 4;
      const c = pod.spec!.containers[0];
      c.lifecycle = {
        postStart: { exec: { command: ['touch', '/tmp/started'] } },
        preStop: { exec: { command: ['sh', '-c', 'echo bye > /host/prestop'] } },
      };
      c.volumeMounts = [{ name: 'host', mountPath: '/host' }];
      pod.spec!.volumes = [{ name: 'host', hostPath: { path: hostDir, type: 'Directory' } }];
      const created = await cluster.client.create<Pod>(PODS, pod);
      const logPath = join(rootDir, 'logs', `default_hooked_${created.metadata!.uid}`, 'main', '0.log');
      await waitFor('the postStart hook seen', async () => (await readFile(logPath, 'utf8').catch(() => '')).includes('saw-poststart'), 60_000);
      await cluster.client.delete(PODS, 'default', 'hooked');
      const events = await kubectl('get', 'events', '--field-selector', 'involvedObject.name=hooked');
      await waitFor('hooked gone', async () => getPod('hooked').then(() => false, (err) => isNotFound(err)), 60_000);
      assert.equal(await readFile(join(hostDir, 'prestop'), 'utf8').catch(() => events), 'bye\n');
    } finally {
      await rm(hostDir, { recursive: true, force: true });
    }
  });

  test('a restarted kubelet adopts the running container (same PID)', async () => {
    await cluster.client.create<Pod>(PODS, podSpec('survivor', ['sleep', '3600']));
    await waitFor('survivor Running', async () => (await getPod('survivor')).status?.containerStatuses?.[0]?.state?.running !== undefined, 60_000);
    const before = (await getPod('survivor')).status!.containerStatuses![0];
    const runtime = new OciRuntime({ rootDir });
    const id = before.containerID!.replace(/^[a-z]+:\/\//, '');
    const pid = (await runtime.containerStatus(id))?.pid;
    assert.ok(pid);

    await kubelet!.stop();
    kubelet = await start();
    // The new kubelet at work: another pod runs, and by then the survivor has been synced.
    await cluster.client.create<Pod>(PODS, podSpec('newcomer', ['sleep', '3600']));
    await waitFor('newcomer Running', async () => (await getPod('newcomer')).status?.containerStatuses?.[0]?.state?.running !== undefined, 60_000);
    const after = (await getPod('survivor')).status!.containerStatuses![0];
    assert.equal(after.containerID, before.containerID);
    assert.equal(after.restartCount, 0);
    assert.equal((await runtime.containerStatus(id))?.pid, pid);
    assert.equal((await runtime.listContainers()).filter((c) => c.name === 'main' && c.pod.name === 'survivor').length, 1);
  });
});
