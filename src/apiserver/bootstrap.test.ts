import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../api/catalogue.ts';
import { SqliteStore } from '../storage/sqlite.ts';
import { bootstrapCluster } from './bootstrap.ts';
import { Allocator, cidrRange, portRange } from './registry/allocator.ts';
import { ObjectStore } from './registry/object-store.ts';
import { Registry } from './registry/registry.ts';
import { CLUSTER_IP_PREFIX, NODE_PORT_PREFIX } from './storage-keys.ts';

test('servers bootstrapping one empty datastore at the same moment all succeed, and make each object once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bootstrap-'));
  const store = SqliteStore.open(join(dir, 'state.db'));
  try {
    // One Registry per server, as each server process has its own.
    const servers = Array.from({ length: 3 }, () => new Registry({
      objects: new ObjectStore(store),
      namespaces: findResource('', 'v1', 'namespaces')!,
      allocators: {
        clusterIPs: new Allocator(store, CLUSTER_IP_PREFIX, cidrRange('10.43.0.0/16')),
        nodePorts: new Allocator(store, NODE_PORT_PREFIX, portRange(30000, 32767)),
      },
    }));
    await Promise.all(servers.map((r) => bootstrapCluster(r, { port: 6443, kubernetesServiceIP: '10.43.0.1', clusterDNSIP: '10.43.0.10' })));
    const services = (await store.list('/registry/services/specs/')).items.map((kv) => JSON.parse(kv.value));
    assert.deepEqual(services.map((s) => `${s.metadata.namespace}/${s.metadata.name} ${s.spec.clusterIP}`), ['default/kubernetes 10.43.0.1', 'kube-system/kube-dns 10.43.0.10']);
    assert.deepEqual((await store.list(CLUSTER_IP_PREFIX)).items.length, 2, 'each ClusterIP claimed once');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
