/**
 * Deleting with kubectl: by name, by selector, --all, every --cascade policy, --wait, dry runs,
 * graceful pod deletion (a pod bound to a node is only marked Terminating, an unbound one goes at
 * once) and deletecollection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentManifest, rawRequest, startCluster, tableRows, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function create(kubectl: Kubectl, ns: string, object: object): Promise<void> {
  const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(object) });
  assert.equal(r.code, 0, r.stderr);
}

const configMap = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels } });
const pod = (name: string, nodeName?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

async function remaining(kubectl: Kubectl, ns: string, kind = 'cm'): Promise<string> {
  const r = await kubectl(['get', kind, '-n', ns, '-o', 'name']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('kubectl delete', () => {
  test('by name, waiting until it is gone', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('doomed'));
    const deleted = await kubectl(['delete', 'cm', 'doomed', '-n', ns, '--wait=true', '--timeout=30s']);
    assert.equal(deleted.stdout, 'configmap "doomed" deleted\n', deleted.stderr);
    const get = await kubectl(['get', 'cm', 'doomed', '-n', ns]);
    assert.equal(get.stderr, 'Error from server (NotFound): configmaps "doomed" not found\n');
  });

  test('by label selector and --all', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('a', { group: 'x' }));
    await create(kubectl, ns, configMap('b', { group: 'x' }));
    await create(kubectl, ns, configMap('c', { group: 'y' }));
    await create(kubectl, ns, configMap('d'));

    const bySelector = await kubectl(['delete', 'cm', '-n', ns, '-l', 'group=x']);
    assert.equal(bySelector.stdout, 'configmap "a" deleted\nconfigmap "b" deleted\n', bySelector.stderr);
    assert.equal(await remaining(kubectl, ns), 'configmap/c\nconfigmap/d\n');

    const all = await kubectl(['delete', 'cm', '-n', ns, '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^configmap "c" deleted$/m);
    assert.match(all.stdout, /^configmap "d" deleted$/m);
    assert.equal(await remaining(kubectl, ns), '');
  });

  for (const cascade of ['background', 'foreground', 'orphan']) {
    test(`--cascade=${cascade} deletes a deployment and returns`, async (t) => {
      const { ns, kubectl } = await cluster.scope(t);
      await create(kubectl, ns, deploymentManifest('web', 'busybox'));
      const deleted = await kubectl(['delete', 'deploy', 'web', '-n', ns, `--cascade=${cascade}`, '--timeout=30s']);
      assert.equal(deleted.stdout, 'deployment.apps "web" deleted\n', deleted.stderr);
      assert.equal(await remaining(kubectl, ns, 'deploy'), '');
    });
  }

  test('a missing object is NotFound; --ignore-not-found is quiet', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const missing = await kubectl(['delete', 'cm', 'ghost', '-n', ns]);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "ghost" not found\n');
    const ignored = await kubectl(['delete', 'cm', 'ghost', '-n', ns, '--ignore-not-found']);
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.equal(ignored.stdout, '');
  });

  test('--dry-run=server deletes nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('kept'));
    const dry = await kubectl(['delete', 'cm', 'kept', '-n', ns, '--dry-run=server']);
    assert.equal(dry.stdout, 'configmap "kept" deleted (server dry run)\n', dry.stderr);
    assert.equal(await remaining(kubectl, ns), 'configmap/kept\n');
  });

  test('deletecollection with a label selector removes only the matches', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('a', { sweep: 'yes' }));
    await create(kubectl, ns, configMap('b', { sweep: 'yes' }));
    await create(kubectl, ns, configMap('c', { sweep: 'no' }));
    const res = await rawRequest(cluster.kubeConfig, 'DELETE', `/api/v1/namespaces/${ns}/configmaps?labelSelector=${encodeURIComponent('sweep=yes')}`);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.kind, 'ConfigMapList');
    assert.equal(await remaining(kubectl, ns), 'configmap/c\n');
  });
});

describe('graceful pod deletion', () => {
  test('an unbound pod is removed at once', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('free'));
    const deleted = await kubectl(['delete', 'pod', 'free', '-n', ns, '--timeout=30s']);
    assert.equal(deleted.stdout, 'pod "free" deleted\n', deleted.stderr);
    const get = await kubectl(['get', 'pod', 'free', '-n', ns]);
    assert.equal(get.stderr, 'Error from server (NotFound): pods "free" not found\n');
  });

  test('a pod bound to a node is only marked Terminating, with its grace period', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('bound', 'node-a'));
    const deleted = await kubectl(['delete', 'pod', 'bound', '-n', ns, '--wait=false']);
    assert.equal(deleted.stdout, 'pod "bound" deleted\n', deleted.stderr);

    const obj = JSON.parse((await kubectl(['get', 'pod', 'bound', '-n', ns, '-o', 'json'])).stdout);
    assert.ok(!Number.isNaN(Date.parse(obj.metadata.deletionTimestamp)), 'deletionTimestamp is set');
    assert.equal(obj.metadata.deletionGracePeriodSeconds, 30);
    const table = tableRows((await kubectl(['get', 'pod', 'bound', '-n', ns])).stdout);
    assert.equal(table[1][2], 'Terminating');

    const forced = await kubectl(['delete', 'pod', 'bound', '-n', ns, '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'pod "bound" force deleted\n');
    assert.match(forced.stderr, /^Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated/m);
    assert.equal(await remaining(kubectl, ns, 'pods'), '');
  });

  test('--grace-period sets the deletion grace period of a bound pod', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, pod('short', 'node-a'));
    const deleted = await kubectl(['delete', 'pod', 'short', '-n', ns, '--grace-period=7', '--wait=false']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const obj = JSON.parse((await kubectl(['get', 'pod', 'short', '-n', ns, '-o', 'json'])).stdout);
    assert.equal(obj.metadata.deletionGracePeriodSeconds, 7);
  });
});
