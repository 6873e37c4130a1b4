import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import type { KubeObject } from '../client/index.ts';
import { deletableResources, deleteNamespaceContent } from './namespace-content.ts';

const pods = findResource('', 'v1', 'pods')!;
const configmaps = findResource('', 'v1', 'configmaps')!;
const deployments = findResource('apps', 'v1', 'deployments')!;

/**
 * A fake API holding objects per resource: a delete removes an object unless it has
 * finalizers or a grace period (then it is only marked), as the API server does.
 */
function fakeApi(objects: Map<ResourceInfo, KubeObject[]>, failing = new Set<ResourceInfo>()) {
  const deleted: string[] = [];
  return {
    deleted,
    client: {
      async list<T>(r: ResourceInfo) {
        if (failing.has(r)) throw new Error('the server is on fire');
        return { metadata: {}, items: structuredClone(objects.get(r) ?? []) as T[] };
      },
      async delete(r: ResourceInfo, _ns: string | undefined, name: string) {
        deleted.push(`${r.plural}/${name}`);
        const list = objects.get(r) ?? [];
        const obj = list.find((o) => o.metadata?.name === name)!;
        const grace = (obj as { spec?: { terminationGracePeriodSeconds?: number } }).spec?.terminationGracePeriodSeconds;
        if (obj.metadata?.finalizers?.length || grace) Object.assign(obj.metadata!, { deletionTimestamp: '2024-01-01T00:00:00Z' });
        else objects.set(r, list.filter((o) => o !== obj));
        return undefined;
      },
    },
  };
}

describe('deleteNamespaceContent', () => {
  test('deletes everything it can and reports what is left, which finalizers hold it, and how long pods may take', async () => {
    const api = fakeApi(
      new Map<ResourceInfo, KubeObject[]>([
        [configmaps, [{ metadata: { name: 'plain' } }, { metadata: { name: 'held', finalizers: ['example.com/hold'] } }]],
        [pods, [{ metadata: { name: 'slow' }, spec: { terminationGracePeriodSeconds: 7 } } as KubeObject]],
        [deployments, [{ metadata: { name: 'web' } }]],
      ]),
    );
    const pass = await deleteNamespaceContent(api.client, 'ns', [configmaps, pods, deployments]);
    assert.deepEqual(api.deleted, ['configmaps/plain', 'configmaps/held', 'pods/slow', 'deployments/web']);
    assert.deepEqual([...pass.remaining], [['configmaps.', 1], ['pods.', 1]]);
    assert.deepEqual([...pass.finalizers], [['example.com/hold', 1]]);
    assert.equal(pass.estimateSeconds, 7);
    assert.deepEqual(pass.errors, []);

    api.deleted.length = 0;
    await deleteNamespaceContent(api.client, 'ns', [configmaps, pods, deployments]);
    assert.deepEqual(api.deleted, [], 'what is already being deleted is not deleted again');
  });

  test('a resource that cannot be listed is reported and the others are still deleted', async () => {
    const api = fakeApi(new Map<ResourceInfo, KubeObject[]>([[deployments, [{ metadata: { name: 'web' } }]]]), new Set([pods]));
    const pass = await deleteNamespaceContent(api.client, 'ns', [pods, deployments]);
    assert.deepEqual(pass.errors, ['pods.: the server is on fire']);
    assert.deepEqual(api.deleted, ['deployments/web']);
  });

  test('every namespaced resource that can be listed and deleted is covered, nothing cluster-scoped', () => {
    const names = deletableResources.map((r) => (r.group ? `${r.plural}.${r.group}` : r.plural));
    for (const n of ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'deployments.apps', 'endpointslices.discovery.k8s.io', 'leases.coordination.k8s.io']) {
      assert.ok(names.includes(n), n);
    }
    for (const n of ['namespaces', 'nodes', 'bindings', 'persistentvolumes']) assert.ok(!names.includes(n), n);
  });
});
