import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from './api-error.ts';
import { startTestCluster, waitFor, type TestCluster } from './control-plane.test-support.ts';
import type { WatchEvent } from './rest-client.ts';

const configmaps = findResource('', 'v1', 'configmaps')!;
const pods = findResource('', 'v1', 'pods')!;
const rcs = findResource('', 'v1', 'replicationcontrollers')!;

const podSpec = { containers: [{ name: 'c', image: 'busybox' }] };

describe('RestClient against a real API server', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster();
  });
  after(() => cluster.cleanup());

  test('create, get, list, update, patch and delete, with the errors kubectl would see', async () => {
    const c = cluster.client;
    const created = await c.create<ConfigMap>(configmaps, { metadata: { name: 'cm1', namespace: 'default', labels: { app: 'a' } }, data: { k: 'v' } });
    assert.ok(created.metadata?.uid);
    assert.ok(isAlreadyExists(await c.create(configmaps, { metadata: { name: 'cm1', namespace: 'default' } }).catch((e) => e)));

    const got = await c.get<ConfigMap>(configmaps, 'default', 'cm1');
    assert.deepEqual(got.data, { k: 'v' });
    await c.create<ConfigMap>(configmaps, { metadata: { name: 'cm2', namespace: 'default', labels: { app: 'b' } } });
    const list = await c.list<ConfigMap>(configmaps, 'default', { labelSelector: 'app=a' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['cm1']);
    assert.match(list.metadata.resourceVersion ?? '', /^\d+$/);

    const updated = await c.update<ConfigMap>(configmaps, { ...got, data: { k: 'v2' } });
    assert.equal(updated.data?.k, 'v2');
    const stale = await c.update<ConfigMap>(configmaps, { ...got, data: { k: 'v3' } }).catch((e) => e);
    assert.ok(isConflict(stale), String(stale));

    assert.equal((await c.patch<ConfigMap>(configmaps, 'default', 'cm1', { data: { m: '1' } }, 'merge')).data?.m, '1');
    assert.equal((await c.patch<ConfigMap>(configmaps, 'default', 'cm1', { data: { s: '2' } }, 'strategic')).data?.s, '2');
    const jp = await c.patch<ConfigMap>(configmaps, 'default', 'cm1', [{ op: 'remove', path: '/data/k' }], 'json');
    assert.deepEqual(jp.data, { m: '1', s: '2' });

    assert.ok(isInvalid(await c.create(configmaps, { metadata: { name: 'Bad_Name', namespace: 'default' } }).catch((e) => e)));
    assert.equal(await c.delete(configmaps, 'default', 'cm1'), undefined);
    const gone = await c.get(configmaps, 'default', 'cm1').catch((e) => e);
    assert.ok(isNotFound(gone));
    assert.equal(gone.message, 'configmaps "cm1" not found');
  });

  test('paginates a list with limit and continue', async () => {
    const c = cluster.client;
    for (let i = 0; i < 5; i++) await c.create<ConfigMap>(configmaps, { metadata: { name: `page-${i}`, namespace: 'default', labels: { page: 'yes' } } });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await c.list<ConfigMap>(configmaps, 'default', { labelSelector: 'page=yes', limit: 2, continue: token });
      names.push(...page.items.map((i) => i.metadata!.name!));
      token = page.metadata.continue || undefined;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  test('binds a pod, writes status, evicts it', async () => {
    const c = cluster.client;
    await c.create<Pod>(pods, { metadata: { name: 'p1', namespace: 'default' }, spec: podSpec });
    await c.bind('default', 'p1', 'node-a');
    const bound = await c.get<Pod>(pods, 'default', 'p1');
    assert.equal(bound.spec?.nodeName, 'node-a');
    assert.ok(isConflict(await c.bind('default', 'p1', 'node-b').catch((e) => e)));

    const withStatus = await c.updateStatus<Pod>(pods, { ...bound, status: { ...bound.status, phase: 'Running' } });
    assert.equal(withStatus.status?.phase, 'Running');
    const patched = await c.patchStatus<Pod>(pods, 'default', 'p1', { status: { message: 'hello' } }, 'merge');
    assert.equal(patched.status?.message, 'hello');

    await c.evict('default', 'p1', { gracePeriodSeconds: 0 });
    await waitFor('the evicted pod to go', async () => isNotFound(await c.get(pods, 'default', 'p1').catch((e) => e)));
  });

  test('reads and writes the scale subresource', async () => {
    const c = cluster.client;
    await c.create<ReplicationController>(rcs, {
      metadata: { name: 'rc1', namespace: 'default' },
      spec: { replicas: 1, selector: { app: 'rc1' }, template: { metadata: { labels: { app: 'rc1' } }, spec: podSpec } },
    });
    const scale = await c.getScale(rcs, 'default', 'rc1');
    assert.equal(scale.spec?.replicas, 1);
    assert.equal(scale.status?.selector, 'app=rc1');
    await c.updateScale(rcs, 'default', 'rc1', { ...scale, spec: { replicas: 4 } });
    assert.equal((await c.get<ReplicationController>(rcs, 'default', 'rc1')).spec?.replicas, 4);
  });

  test('watches the changes after a resourceVersion', async () => {
    const c = cluster.client;
    const start = await c.list(configmaps, 'default');
    const events: WatchEvent<ConfigMap>[] = [];
    const w = c.watch<ConfigMap>(configmaps, 'default', { resourceVersion: start.metadata.resourceVersion }, (e) => events.push(e), () => {});
    await c.create<ConfigMap>(configmaps, { metadata: { name: 'w1', namespace: 'default' } });
    await c.patch(configmaps, 'default', 'w1', { data: { a: 'b' } }, 'merge');
    await c.delete(configmaps, 'default', 'w1');
    await waitFor('three watch events', () => events.length >= 3);
    w.stop();
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata?.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    assert.equal(events[1].object.data?.a, 'b');
  });
});
