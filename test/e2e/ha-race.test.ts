/**
 * Servers started all at once on an empty etcd with one chosen `--token` form one cluster:
 * exactly one of them stores the cluster's secrets, the others take them, and every server
 * trusts every other server's admin credentials.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../src/index.ts';
import { startEtcd } from '../../src/storage/etcd.test-support.ts';
import { makeTempDir, rawRequest, removeTempDir } from './harness.ts';

test('three servers starting at once on an empty etcd form one cluster', async () => {
  const etcd = await startEtcd();
  const root = await makeTempDir('ha-race');
  const planes: ControlPlane[] = [];
  after(async () => {
    await Promise.all(planes.map((p) => p.stop()));
    await etcd.stop();
    await removeTempDir(root);
  });
  const started = await Promise.allSettled(
    ['a', 'b', 'c'].map((name) =>
      startControlPlane({ dataDir: path.join(root, name), port: 0, bindAddress: '127.0.0.1', controllers: false, datastoreEndpoint: etcd.endpoint, token: 'chosen-cluster-token' }),
    ),
  );
  for (const s of started) if (s.status === 'fulfilled') planes.push(s.value);
  assert.deepEqual(started.map((s) => (s.status === 'fulfilled' ? 'started' : String(s.reason))), ['started', 'started', 'started']);

  for (const from of planes) {
    const kc = new KubeConfig();
    kc.loadFromFile(from.kubeconfigPath);
    for (const to of planes) {
      const other = new KubeConfig();
      other.loadFromClusterAndUser({ ...kc.getCurrentCluster()!, server: to.url }, kc.getCurrentUser()!);
      const res = await rawRequest(other, 'GET', '/api/v1/namespaces/kube-system');
      assert.equal(res.status, 200, `${from.url} → ${to.url}: ${res.body}`);
    }
  }
});
