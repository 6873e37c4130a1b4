/**
 * The whole control plane as `skiff server` runs it — API server and controller manager in one
 * process — driven by kubectl: a Deployment becomes a ReplicaSet and pods, a Service gets
 * Endpoints and an EndpointSlice, `kubectl scale` and `--cascade=orphan` behave, and deleting
 * a namespace empties and removes it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ controllers: true });
});
after(() => cluster?.stop());

async function json(kubectl: Kubectl, args: string[]): Promise<any> {
  const r = await kubectl([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function podNames(kubectl: Kubectl, ns: string, selector: string): Promise<string[]> {
  return (await json(kubectl, ['get', 'pods', '-n', ns, '-l', selector])).items.map((p: any) => p.metadata.name);
}

describe('the control plane with its controllers', () => {
  test('a Deployment gets a ReplicaSet and pods, scales, and its Service gets endpoints objects', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const created = await kubectl(['create', 'deployment', 'web', '-n', ns, '--image=busybox:1.36', '--replicas=3', '--port=8080']);
    assert.equal(created.code, 0, created.stderr);
    const exposed = await kubectl(['expose', 'deployment', 'web', '-n', ns, '--port=80', '--target-port=8080']);
    assert.equal(exposed.code, 0, exposed.stderr);

    await waitFor(async () => (await podNames(kubectl, ns, 'app=web')).length === 3 || undefined, { timeoutMs: 30_000 });
    const rs = (await json(kubectl, ['get', 'rs', '-n', ns, '-l', 'app=web'])).items;
    assert.equal(rs.length, 1);
    const pods = (await json(kubectl, ['get', 'pods', '-n', ns, '-l', 'app=web'])).items;
    for (const p of pods) assert.equal(p.metadata.ownerReferences[0].uid, rs[0].metadata.uid);

    await waitFor(async () => {
      const r = await kubectl(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web', '-o', 'name']);
      return r.stdout.trim() !== '' || undefined;
    }, { timeoutMs: 30_000 });
    assert.equal((await kubectl(['get', 'endpoints', 'web', '-n', ns])).code, 0);

    assert.equal((await kubectl(['scale', 'deployment', 'web', '-n', ns, '--replicas=1'])).code, 0);
    await waitFor(async () => (await podNames(kubectl, ns, 'app=web')).length === 1 || undefined, { timeoutMs: 30_000 });
  });

  test('--cascade=orphan keeps the pods of a deleted ReplicaSet', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'keep' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'keep' } }, template: { metadata: { labels: { app: 'keep' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
    };
    assert.equal((await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(rs) })).code, 0);
    await waitFor(async () => (await podNames(kubectl, ns, 'app=keep')).length === 2 || undefined, { timeoutMs: 30_000 });
    const deleted = await kubectl(['delete', 'rs', 'keep', '-n', ns, '--cascade=orphan', '--timeout=60s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await waitFor(async () => {
      const pods = (await json(kubectl, ['get', 'pods', '-n', ns, '-l', 'app=keep'])).items;
      return (pods.length === 2 && pods.every((p: any) => !p.metadata.ownerReferences)) || undefined;
    }, { timeoutMs: 30_000 });
  });

  test('deleting a namespace removes its contents, then the namespace', async (t) => {
    const { kubectl } = await cluster.scope(t);
    const ns = `doomed-${process.pid}`;
    assert.equal((await kubectl(['create', 'namespace', ns])).code, 0);
    assert.equal((await kubectl(['create', 'configmap', 'c', '-n', ns, '--from-literal=a=b'])).code, 0);
    const deleted = await kubectl(['delete', 'namespace', ns, '--timeout=60s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await kubectl(['get', 'namespace', ns]);
    assert.match(gone.stderr, /NotFound/);
  });
});
