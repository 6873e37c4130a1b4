/**
 * `skiff server --datastore-endpoint etcd://…` as an operator runs it, driven by kubectl:
 * objects live in etcd under upstream's key layout with resourceVersion = etcd's mod revision;
 * a server started before etcd waits for it and says so; when etcd dies, requests fail with
 * 503 instead of hanging, and once it is back everything (watches included) carries on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EtcdStore } from '../../src/storage/etcd.ts';
import { startEtcd, type EtcdCluster } from '../../src/storage/etcd.test-support.ts';
import { freePort, kubectlWith, makeTempDir, removeTempDir, spawnSkiff, stopChild, waitFor, type Kubectl, type SkiffProcess } from './harness.ts';

let root: string;
let etcd: EtcdCluster;
let server: SkiffProcess;
let kubectl: Kubectl;
let kubeconfig: string;
let home: string;
const children: { stop(): Promise<void> }[] = [];

before(async () => {
  root = await makeTempDir('etcd-datastore');
  home = path.join(root, 'home');
  await mkdir(home);
  // etcd is not running yet when the server starts: the server must wait for it.
  etcd = await startEtcd({ clientPorts: [await freePort()], stopped: true });
  const dataDir = path.join(root, 'data');
  server = spawnSkiff(['server', '--disable-agent', '--data-dir', dataDir, '--port', '0', '--bind-address', '127.0.0.1', '--datastore-endpoint', etcd.endpoint]);
  children.push({ stop: () => stopChild(server.child) });
  await server.waitForOutput(/cannot reach etcd/, 60_000);
  await etcd.members[0].start();
  await server.waitForOutput(/serving https:\/\//, 60_000);
  kubeconfig = path.join(dataDir, 'kubeconfig.yaml');
  kubectl = kubectlWith(kubeconfig, path.join(root, 'kube-cache'), home);
});

after(async () => {
  for (const c of children) await c.stop();
  await etcd?.stop();
  if (root) await removeTempDir(root);
});

/** `kubectl get -w` running in the background; its output so far is `out()`. */
function watchWithKubectl(args: string[]) {
  const child = spawn('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(root, 'kube-cache'), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  children.push({ stop: () => stopChild(child) });
  return { out: () => out };
}

test('a server started before etcd said what it was waiting for', () => {
  assert.match(server.output(), /cannot reach etcd \(attempt 1\).*retrying in/);
  assert.match(server.output(), /reached etcd at http:\/\/127\.0\.0\.1:\d+/);
});

test('kubectl create, get and watch work, with objects stored in etcd at upstream keys', async () => {
  assert.equal((await kubectl(['create', 'namespace', 'etcd-e2e'])).code, 0);
  const watch = watchWithKubectl(['get', 'configmaps', '-n', 'etcd-e2e', '-w', '-o', 'name']);
  const created = await kubectl(['create', 'configmap', 'settings', '-n', 'etcd-e2e', '--from-literal=mode=fast']);
  assert.equal(created.code, 0, created.stderr);
  const got = await kubectl(['get', 'configmap', 'settings', '-n', 'etcd-e2e', '-o', 'json']);
  assert.equal(got.code, 0, got.stderr);
  const cm = JSON.parse(got.stdout);
  assert.deepEqual(cm.data, { mode: 'fast' });

  const store = await EtcdStore.connect(etcd.endpoint, { log: () => {} });
  try {
    const kv = await store.get('/registry/configmaps/etcd-e2e/settings');
    assert.ok(kv, 'the ConfigMap is in etcd under /registry/configmaps/<namespace>/<name>');
    assert.equal(cm.metadata.resourceVersion, String(kv.modRevision));
    assert.equal(JSON.parse(kv.value).data.mode, 'fast');
  } finally {
    await store.close();
  }
  await waitFor(() => watch.out().includes('configmap/settings'), { message: () => `kubectl get -w printed: ${watch.out()}` });
});

test('with etcd down requests fail with 503 instead of hanging; after it returns, requests and open watches carry on', async () => {
  const watch = watchWithKubectl(['get', 'configmaps', '-n', 'etcd-e2e', '-w', '-o', 'name']);
  assert.equal((await kubectl(['create', 'configmap', 'before', '-n', 'etcd-e2e'])).code, 0);
  await waitFor(() => watch.out().includes('configmap/before'), { message: () => `kubectl get -w printed: ${watch.out()}` });

  await etcd.members[0].kill();
  const failed = await kubectl(['create', 'configmap', 'during', '-n', 'etcd-e2e'], { timeoutMs: 30_000 });
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /ServiceUnavailable|the datastore is unavailable/);
  const read = await kubectl(['get', 'configmaps', '-n', 'etcd-e2e'], { timeoutMs: 30_000 });
  assert.notEqual(read.code, 0);
  assert.match(read.stderr, /ServiceUnavailable|the datastore is unavailable/);

  await etcd.members[0].start();
  await waitFor(async () => (await kubectl(['create', 'configmap', 'after', '-n', 'etcd-e2e'])).code === 0, { timeoutMs: 30_000 });
  await waitFor(() => watch.out().includes('configmap/after'), { timeoutMs: 30_000, message: () => `kubectl get -w printed: ${watch.out()}` });
  const names = await kubectl(['get', 'configmaps', '-n', 'etcd-e2e', '-o', 'name']);
  assert.deepEqual(names.stdout.trim().split('\n').filter((n) => n !== 'configmap/kube-root-ca.crt').sort(), ['configmap/after', 'configmap/before', 'configmap/settings']);
});
