import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startControlPlane } from '../index.ts';
import { freePort, startTestCluster, waitFor, type TestCluster } from './control-plane.test-support.ts';
import { FakeClock } from './fake-clock.test-support.ts';
import { Informer, listWatchFor } from './informer.ts';
import { InformerFactory } from './informer-factory.ts';
import { LABEL_INDEX } from './store.ts';

const configmaps = findResource('', 'v1', 'configmaps')!;

function record(informer: Informer<ConfigMap>): string[] {
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata?.name}`),
    onUpdate: (_, o) => seen.push(`update ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`),
    onDelete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  return seen;
}

const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): ConfigMap => ({
  metadata: { name, namespace: 'default', labels },
  data,
});

describe('Informer against a real API server', () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.cleanup();
  });

  test('a shared informer fills its cache and sees adds, updates and deletes', async () => {
    const cluster = await startTestCluster();
    clusters.push(cluster);
    const c = cluster.client;
    await c.create(configmaps, cm('before', {}, { app: 'web' }));
    const factory = new InformerFactory(c, { log: () => {} });
    const informer = factory.informerFor<ConfigMap>(configmaps, { namespace: 'default' });
    assert.equal(factory.informerFor(configmaps, { namespace: 'default' }), informer, 'one informer per resource and selection');
    const seen = record(informer);
    factory.start();
    assert.equal(await factory.waitForSync(), true);
    assert.ok(seen.includes('add before'));
    assert.equal(informer.cache.getByName('default', 'before')?.kind, 'ConfigMap');

    await c.create(configmaps, cm('x', { a: '1' }, { app: 'web' }));
    await c.patch(configmaps, 'default', 'x', { data: { a: '2' } }, 'merge');
    await c.delete(configmaps, 'default', 'before');
    await waitFor('the delete to arrive', () => seen.includes('delete before'));
    assert.deepEqual(seen.slice(-3), ['add x', 'update x {"a":"2"}', 'delete before']);
    assert.deepEqual(informer.cache.byIndex(LABEL_INDEX, 'app=web').map((o) => o.metadata?.name), ['x']);
    factory.stop();
  });

  test('after the API server restarts, a relist delivers exactly the changes made while it was away', async () => {
    const port = await freePort();
    const cluster = await startTestCluster({ port, client: { retry: { maxRetries: 0 } } });
    clusters.push(cluster);
    const c = cluster.client;
    await c.create(configmaps, cm('keep', { v: '1' }));
    await c.create(configmaps, cm('change', { v: '1' }));
    await c.create(configmaps, cm('remove', { v: '1' }));

    // The informer's backoff runs on a fake clock, so the test decides when it relists.
    const clock = new FakeClock();
    const logs: string[] = [];
    const informer = new Informer<ConfigMap>(listWatchFor(c, configmaps, { namespace: 'default', labelSelector: '!skip' }), {
      clock,
      log: (l) => logs.push(l),
    });
    const seen = record(informer);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(seen.sort(), ['add change', 'add keep', 'add remove']);
    seen.length = 0;

    await cluster.plane.stop();
    await waitFor('the informer to notice and its relist to fail', () => logs.some((l) => l.includes('list failed')));
    cluster.plane = await startControlPlane({ dataDir: cluster.dataDir, port, controllers: false });
    await c.patch(configmaps, 'default', 'change', { data: { v: '2' } }, 'merge');
    await c.delete(configmaps, 'default', 'remove');
    await c.create(configmaps, cm('new', { v: '1' }));
    assert.deepEqual(seen, [], 'nothing delivered before the relist');

    await clock.advance(30_000);
    await waitFor('the missed changes', () => seen.length >= 3);
    assert.deepEqual(seen.sort(), ['add new', 'delete remove', 'update change {"v":"2"}']);
    assert.deepEqual(informer.cache.keys().sort(), ['default/change', 'default/keep', 'default/new']);

    // ...and the new watch carries on from the relist.
    await c.patch(configmaps, 'default', 'keep', { data: { v: '3' } }, 'merge');
    await waitFor('the next change', () => seen.length >= 4);
    assert.equal(seen[3], 'update keep {"v":"3"}');
    informer.stop();
  });
});
