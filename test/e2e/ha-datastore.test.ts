/**
 * Moving a cluster between datastores with `skiff datastore export | import`, as an operator
 * does it: stop the server, export its SQLite datastore to a file, import the file into an
 * empty datastore, start a server there. The objects come along, and so does the cluster's
 * CA (sealed in the datastore): the old admin kubeconfig works against the new server, on
 * SQLite and on etcd alike.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../src/index.ts';
import { startEtcd } from '../../src/storage/etcd.test-support.ts';
import { makeTempDir, rawRequest, removeTempDir, run, REPO_ROOT } from './harness.ts';

const root = await makeTempDir('ha-datastore');
const planes: ControlPlane[] = [];
after(async () => {
  await Promise.all(planes.map((p) => p.stop()));
  await removeTempDir(root);
});

function skiff(args: string[]) {
  return run(process.execPath, [path.join(REPO_ROOT, 'bin', 'skiff'), ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
}

async function start(dataDir: string, options: { datastoreEndpoint?: string; token?: string } = {}): Promise<ControlPlane> {
  const plane = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1', controllers: false, ...options });
  planes.push(plane);
  return plane;
}

async function stop(plane: ControlPlane): Promise<void> {
  planes.splice(planes.indexOf(plane), 1);
  await plane.stop();
}

function kubeConfig(file: string, server?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (server) kc.loadFromClusterAndUser({ ...kc.getCurrentCluster()!, server }, kc.getCurrentUser()!);
  return kc;
}

const json = { 'Content-Type': 'application/json' };

test('a cluster moves from its SQLite datastore to another SQLite file and to etcd through export and import', async () => {
  const source = path.join(root, 'source');
  const first = await start(source);
  const kc = kubeConfig(first.kubeconfigPath);
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'moved' } };
  assert.equal((await rawRequest(kc, 'POST', '/api/v1/namespaces', { body: JSON.stringify(ns), headers: json })).status, 201);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: { app: 'x' } }, data: { greeting: 'héllo\nworld' } };
  const created = await rawRequest(kc, 'POST', '/api/v1/namespaces/moved/configmaps', { body: JSON.stringify(cm), headers: json });
  assert.equal(created.status, 201, created.body);
  await stop(first);

  const file = path.join(root, 'cluster.jsonl');
  const exported = await skiff(['datastore', 'export', file, '--data-dir', source]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /^exported \d+ keys \(revision \d+\) to /);
  const again = await skiff(['datastore', 'export', file, '--data-dir', source]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `skiff: error: ${file} already exists: choose another file name or remove it\n`);

  const target = `sqlite://${path.join(root, 'target', 'state.db')}`;
  const imported = await skiff(['datastore', 'import', file, '--datastore-endpoint', target]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^imported \d+ keys from /);
  const twice = await skiff(['datastore', 'import', file, '--datastore-endpoint', target]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /^skiff: error: the target datastore is not empty \(it holds \d+ keys\): import only into an empty datastore\n$/);

  // A new server on the target, joining with the source's token, serves the moved objects...
  const token = await readFile(path.join(source, 'server', 'token'), 'utf8');
  const moved = await start(path.join(root, 'new-server'), { datastoreEndpoint: target, token });
  const got = await rawRequest(kubeConfig(moved.kubeconfigPath), 'GET', '/api/v1/namespaces/moved/configmaps/settings');
  assert.equal(got.status, 200, got.body);
  assert.deepEqual(got.json.data, cm.data);
  assert.equal(got.json.metadata.uid, created.json.metadata.uid);
  // ...and trusts the source cluster's admin credentials, since the CA moved too.
  const old = await rawRequest(kubeConfig(path.join(source, 'kubeconfig.yaml'), moved.url), 'GET', '/api/v1/namespaces/moved');
  assert.equal(old.status, 200, old.body);
  await stop(moved);

  // The same file moves the cluster into etcd just as well.
  const etcd = await startEtcd();
  after(() => etcd.stop());
  const intoEtcd = await skiff(['datastore', 'import', file, '--datastore-endpoint', etcd.endpoint]);
  assert.equal(intoEtcd.code, 0, intoEtcd.stderr);
  const onEtcd = await start(path.join(root, 'etcd-server'), { datastoreEndpoint: etcd.endpoint, token });
  const fromEtcd = await rawRequest(kubeConfig(path.join(source, 'kubeconfig.yaml'), onEtcd.url), 'GET', '/api/v1/namespaces/moved/configmaps/settings');
  assert.equal(fromEtcd.status, 200, fromEtcd.body);
  assert.deepEqual(fromEtcd.json.data, cm.data);
  await stop(onEtcd);

  // A server with the wrong token cannot join, and writes no credentials.
  const stranger = path.join(root, 'stranger');
  const refused = await skiff(['server', '--disable-agent', '--data-dir', stranger, '--port', '0', '--bind-address', '127.0.0.1', '--datastore-endpoint', target, '--token', 'wrong']);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr.split('\n').filter((l) => l.startsWith('skiff: error:')).join('\n'), 'skiff: error: the token does not match this cluster: pass --token with the contents of DATA_DIR/server/token from a server already in the cluster');
  assert.deepEqual(await readdir(path.join(stranger, 'server')), []);
});

