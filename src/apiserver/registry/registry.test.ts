import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../../api/catalogue.ts';
import { SqliteStore } from '../../storage/sqlite.ts';
import { CLUSTER_IP_PREFIX, NODE_PORT_PREFIX } from '../storage-keys.ts';
import { applyMergePatch } from '../patch/index.ts';
import { Allocator, cidrRange, portRange } from './allocator.ts';
import { ObjectStore, type KObject } from './object-store.ts';
import { Registry } from './registry.ts';

const services = findResource('', 'v1', 'services')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const pods = findResource('', 'v1', 'pods')!;
const deployments = findResource('apps', 'v1', 'deployments')!;

function withRegistry(fn: (registry: Registry, store: SqliteStore) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
    const store = SqliteStore.open(join(dir, 'state.db'));
    const registry = new Registry({
      objects: new ObjectStore(store),
      namespaces,
      allocators: {
        clusterIPs: new Allocator(store, CLUSTER_IP_PREFIX, cidrRange('10.43.0.0/16')),
        nodePorts: new Allocator(store, NODE_PORT_PREFIX, portRange(30000, 32767)),
      },
    });
    try {
      await registry.create(namespaces, '', { metadata: { name: 'default' } });
      await fn(registry, store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** What a PATCH's function does: a new object, leaving the current one as it is. */
const mergePatch = (current: KObject, patch: object) => applyMergePatch(current, patch) as KObject;

const nodePortService = {
  metadata: { name: 'web' },
  spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};

test('a Service changed from NodePort to ClusterIP drops its carried-over nodePort and frees it', withRegistry(async (registry, store) => {
  const created = await registry.create(services, 'default', nodePortService);
  const nodePort = created.spec.ports[0].nodePort;
  assert.ok(nodePort >= 30000 && nodePort <= 32767);
  // A merge patch of only `type` keeps the old ports, nodePort included.
  const patched = await registry.patch(services, 'default', 'web', (svc) => mergePatch(svc, { spec: { type: 'ClusterIP' } }));
  assert.equal(patched.spec.ports[0].nodePort, undefined);
  assert.equal(patched.spec.clusterIP, created.spec.clusterIP);
  assert.equal(await store.get(NODE_PORT_PREFIX + nodePort), undefined, 'the node port is free again');
}));

test('a Service changed to ExternalName gives up its ClusterIP', withRegistry(async (registry, store) => {
  const created = await registry.create(services, 'default', { metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } });
  const patched = await registry.patch(services, 'default', 'db', (svc) => mergePatch(svc, { spec: { type: 'ExternalName', externalName: 'db.example.com' } }));
  assert.equal(patched.spec.clusterIP, undefined);
  assert.equal(await store.get(CLUSTER_IP_PREFIX + created.spec.clusterIP), undefined);
}));

test('generation moves on spec changes only; status is written only through /status', withRegistry(async (registry) => {
  const d = await registry.create(deployments, 'default', {
    metadata: { name: 'api', labels: { app: 'api' } },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    status: { replicas: 7 },
  });
  assert.equal(d.metadata.generation, 1);
  assert.equal(d.status, undefined, 'status given on create is dropped');
  const relabelled = await registry.patch(deployments, 'default', 'api', (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: 'api', x: 'y' } }, status: { replicas: 3 } }));
  assert.equal(relabelled.metadata.generation, 1);
  assert.equal(relabelled.status, undefined, 'status is not writable through the main resource');
  const scaled = await registry.patch(deployments, 'default', 'api', (o) => ({ ...o, spec: { ...o.spec, replicas: 4 } }));
  assert.equal(scaled.metadata.generation, 2);
  const withStatus = await registry.patch(deployments, 'default', 'api', (o) => ({ ...o, spec: { ...o.spec, replicas: 9 }, status: { replicas: 4 } }), { subresource: 'status' });
  assert.equal(withStatus.status.replicas, 4);
  assert.equal(withStatus.spec.replicas, 4, 'spec is not writable through /status');
}));

test('a bound pod is marked for deletion, an unbound one goes at once', withRegistry(async (registry) => {
  const spec = { containers: [{ name: 'c', image: 'busybox' }] };
  await registry.create(pods, 'default', { metadata: { name: 'bound' }, spec: { ...spec, nodeName: 'n1' } });
  await registry.create(pods, 'default', { metadata: { name: 'loose' }, spec });
  const bound = await registry.delete(pods, 'default', 'bound');
  assert.equal(bound.deleted, false);
  assert.equal(bound.object.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(bound.object.metadata.deletionTimestamp);
  assert.equal((await registry.delete(pods, 'default', 'loose')).deleted, true);
  // The kubelet's final delete, with no grace left, removes it.
  assert.equal((await registry.delete(pods, 'default', 'bound', { gracePeriodSeconds: 0 })).deleted, true);
}));

test('an object with finalizers stays until the last one is removed', withRegistry(async (registry) => {
  const cms = findResource('', 'v1', 'configmaps')!;
  await registry.create(cms, 'default', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  const marked = await registry.delete(cms, 'default', 'held');
  assert.equal(marked.deleted, false);
  await registry.patch(cms, 'default', 'held', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
  await assert.rejects(registry.get(cms, 'default', 'held'), (e: { code?: number }) => e.code === 404);
}));

test('namespace finalizers change only through finalize; then the namespace goes', withRegistry(async (registry) => {
  await registry.create(namespaces, '', { metadata: { name: 'team' } });
  const updated = await registry.patch(namespaces, '', 'team', (o) => ({ ...o, spec: { finalizers: [] } }));
  assert.deepEqual(updated.spec.finalizers, ['kubernetes']);
  const marked = await registry.delete(namespaces, '', 'team');
  assert.equal(marked.object.status.phase, 'Terminating');
  await registry.mutate(namespaces, '', 'team', (ns) => ({ ...ns, spec: {} }));
  await assert.rejects(registry.get(namespaces, '', 'team'), (e: { code?: number }) => e.code === 404);
}));
