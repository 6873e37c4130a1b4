import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../api/catalogue.ts';
import { SqliteStore } from '../storage/sqlite.ts';
import { bootstrapCluster } from './bootstrap.ts';
import { EndpointReconciler } from './endpoint-reconciler.ts';
import { MASTER_LEASES_PREFIX } from './endpoint-reconciler-leases.ts';
import { Allocator, cidrRange, portRange } from './registry/allocator.ts';
import { ObjectStore } from './registry/object-store.ts';
import { Registry } from './registry/registry.ts';
import { CLUSTER_IP_PREFIX, NODE_PORT_PREFIX } from './storage-keys.ts';

const endpoints = findResource('', 'v1', 'endpoints')!;
const slices = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const PORT = 6443;

/** A datastore with the bootstrap objects, a clock the test moves, and reconcilers for servers at given addresses. */
function withCluster(fn: (c: { registry: Registry; store: SqliteStore; clock: { now: number }; server(address: string): EndpointReconciler }) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-endpoint-reconciler-'));
    const store = SqliteStore.open(join(dir, 'state.db'));
    try {
      const registry = new Registry({
        objects: new ObjectStore(store),
        namespaces: findResource('', 'v1', 'namespaces')!,
        allocators: {
          clusterIPs: new Allocator(store, CLUSTER_IP_PREFIX, cidrRange('10.43.0.0/16')),
          nodePorts: new Allocator(store, NODE_PORT_PREFIX, portRange(30000, 32767)),
        },
      });
      await bootstrapCluster(registry, { port: PORT, kubernetesServiceIP: '10.43.0.1' });
      const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
      const server = (address: string) => new EndpointReconciler({ store, registry, address, port: PORT, now: () => clock.now });
      await fn({ registry, store, clock, server });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** The addresses the Endpoints and the EndpointSlice list (they must agree). */
async function listed(registry: Registry): Promise<string[]> {
  const ep = await registry.get(endpoints, 'default', 'kubernetes');
  const slice = await registry.get(slices, 'default', 'kubernetes');
  const fromEndpoints = ep.subsets.flatMap((s: any) => s.addresses.map((a: any) => a.ip));
  const fromSlice = slice.endpoints.map((e: any) => e.addresses[0]);
  assert.deepEqual(fromSlice, fromEndpoints, 'the EndpointSlice agrees with the Endpoints');
  assert.deepEqual(ep.subsets[0].ports, [{ name: 'https', port: PORT, protocol: 'TCP' }]);
  return fromEndpoints;
}

test('one server: its address, as before; stopping leaves it (never no endpoints at all)', withCluster(async ({ registry, server }) => {
  const only = server('192.0.2.1');
  await only.reconcile();
  assert.deepEqual(await listed(registry), ['192.0.2.1']);
  const rv = (await registry.get(endpoints, 'default', 'kubernetes')).metadata.resourceVersion;
  await only.reconcile();
  assert.equal((await registry.get(endpoints, 'default', 'kubernetes')).metadata.resourceVersion, rv, 'nothing rewritten when nothing changed');
  await only.removeSelf();
  assert.deepEqual(await listed(registry), ['192.0.2.1']);
}));

test('several servers: every live one is listed; one stopping leaves at once, one dying when its lease expires', withCluster(async ({ registry, store, clock, server }) => {
  const [a, b, c] = ['192.0.2.3', '192.0.2.1', '192.0.2.2'].map(server);
  await a.reconcile();
  await b.reconcile();
  assert.deepEqual(await listed(registry), ['192.0.2.1', '192.0.2.3']);
  await c.reconcile();
  assert.deepEqual(await listed(registry), ['192.0.2.1', '192.0.2.2', '192.0.2.3']);

  await b.removeSelf();
  assert.deepEqual(await listed(registry), ['192.0.2.2', '192.0.2.3'], 'a clean stop removes the server at once');

  // c dies: it renews no more. Within its lease it stays listed...
  clock.now += 10_000;
  await a.reconcile();
  assert.deepEqual(await listed(registry), ['192.0.2.2', '192.0.2.3']);
  // ...and is dropped at the first reconcile after the lease ran out; its lease key goes too.
  clock.now += 6_000;
  await a.reconcile();
  assert.deepEqual(await listed(registry), ['192.0.2.3']);
  assert.deepEqual((await store.list(MASTER_LEASES_PREFIX)).items.map((kv) => kv.key), [`${MASTER_LEASES_PREFIX}192.0.2.3`]);

  // A server coming back is listed again.
  await c.reconcile();
  assert.deepEqual(await listed(registry), ['192.0.2.2', '192.0.2.3']);
}));

test('servers reconciling at the same moment agree on every live server', withCluster(async ({ registry, server }) => {
  const all = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'].map(server);
  await Promise.all(all.map((s) => s.reconcile()));
  // The last writer may have read the leases before the others renewed: one more round settles it.
  await Promise.all(all.map((s) => s.reconcile()));
  assert.deepEqual(await listed(registry), ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
}));
