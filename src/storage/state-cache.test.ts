import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteStore } from './sqlite.ts';
import { StateCache } from './state-cache.ts';
import type { Store, Watch, WatchCallbacks } from './store.ts';
import { WatchCache } from './watch-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-state-cache-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

async function started(): Promise<{ store: Store; cache: StateCache }> {
  const store = SqliteStore.open(join(dir, `${cleanups.length}`, 'state.db'));
  cleanups.push(() => store.close());
  const watchCache = new WatchCache(store);
  await watchCache.start();
  cleanups.push(() => watchCache.stop());
  const cache = new StateCache(store, watchCache);
  await cache.start();
  cleanups.push(() => cache.stop());
  return { store, cache };
}

const strip = (r: { items: { key: string; value: string; modRevision: number }[]; revision: number; more: boolean; remaining: number }) => ({
  items: r.items.map(({ key, value, modRevision }) => ({ key, value, modRevision })),
  revision: r.revision,
  more: r.more,
  remaining: r.remaining,
});

test('lists from the cache answer as the store does: prefixes, pages, remaining counts', async () => {
  const { store, cache } = await started();
  await store.create('/registry/pods/a/before', '{"early":true}');
  for (let i = 0; i < 60; i++) await store.create(`/registry/pods/ns${i % 3}/p${String(i).padStart(2, '0')}`, `{"i":${i}}`);
  await store.create('/registry/podsecurity/x', '{}');
  const p5 = await store.get('/registry/pods/ns1/p04');
  await store.update('/registry/pods/ns1/p04', '{"i":"changed"}', p5!.modRevision);
  await store.delete('/registry/pods/ns2/p05');
  assert.equal(await cache.waitFor(), true);
  assert.equal(cache.revision, await store.currentRevision());

  const cases: [string, { limit?: number; startKey?: string }][] = [
    ['/registry/pods/', {}],
    ['/registry/pods/ns1/', {}],
    ['/registry/pods/', { limit: 7 }],
    ['/registry/pods/', { limit: 7, startKey: '/registry/pods/ns1/p10\u0000' }],
    ['/registry/pods/ns2/', { limit: 100 }],
    ['/registry/pods/nothing/', { limit: 5 }],
    ['/registry/', { limit: 3, startKey: '/registry/pods/ns2/p59' }],
  ];
  for (const [prefix, options] of cases) {
    const fromStore = await store.list(prefix, options);
    const fromCache = cache.list(prefix, options);
    assert.ok(fromCache, `cache answers ${prefix} ${JSON.stringify(options)}`);
    assert.deepEqual(strip(fromCache), strip(fromStore), `${prefix} ${JSON.stringify(options)}`);
  }
});

test('the cache answers only at its own revision', async () => {
  const { store, cache } = await started();
  const first = await store.create('/registry/configmaps/d/one', '{}');
  await store.create('/registry/configmaps/d/two', '{}');
  assert.equal(await cache.waitFor(), true);
  assert.equal(cache.list('/registry/configmaps/', { revision: first.modRevision }), undefined);
  assert.equal(cache.list('/registry/configmaps/', { revision: cache.revision })?.items.length, 2);
});

test('waitFor gives up when the cache does not catch up in time', async () => {
  const { cache } = await started();
  assert.equal(await cache.waitFor(cache.revision + 10, 20), false);
});

test('after its watch fails the cache lists again and is current once more', async () => {
  const store = SqliteStore.open(join(dir, 'failing', 'state.db'));
  cleanups.push(() => store.close());
  const failers: ((err: Error) => void)[] = [];
  const source = {
    watch(prefix: string, from: number, callbacks: WatchCallbacks): Watch {
      failers.push((err) => callbacks.onError?.(err));
      return store.watch(prefix, from, callbacks);
    },
  };
  const cache = new StateCache(store, source, { retryDelayMs: 1 });
  await cache.start();
  cleanups.push(() => cache.stop());
  await store.create('/registry/secrets/d/a', '{}');
  failers[0](new Error('datastore went away'));
  assert.equal(cache.revision, 0, 'not answering while it refills');
  await store.create('/registry/secrets/d/b', '{}');
  while (failers.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await cache.waitFor(), true);
  assert.deepEqual(cache.list('/registry/secrets/')!.items.map((kv) => kv.key), ['/registry/secrets/d/a', '/registry/secrets/d/b']);
});

test('listing again, the cache lets go of its old values first (not holding every value twice)', async () => {
  const store = SqliteStore.open(join(dir, 'relisting', 'state.db'));
  cleanups.push(() => store.close());
  let fail: (err: Error) => void = () => {};
  const source = {
    watch(prefix: string, from: number, callbacks: WatchCallbacks): Watch {
      fail = (err) => callbacks.onError?.(err);
      return store.watch(prefix, from, callbacks);
    },
  };
  const heldWhileListing: number[] = [];
  const cache: StateCache = new StateCache(
    {
      list: (prefix, options) => {
        heldWhileListing.push(cache.size);
        return store.list(prefix, options);
      },
      currentRevision: () => store.currentRevision(),
    },
    source,
    { retryDelayMs: 1 },
  );
  await store.create('/registry/secrets/d/a', '{}');
  await cache.start();
  cleanups.push(() => cache.stop());
  assert.equal(cache.size, 1);
  fail(new Error('datastore went away'));
  while (heldWhileListing.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(heldWhileListing, [0, 0]);
  assert.equal(await cache.waitFor(), true);
  assert.equal(cache.size, 1);
});

test('an index lists only the keys filed under a value, and follows moves and deletes', async () => {
  const store = SqliteStore.open(join(dir, 'indexed', 'state.db'));
  cleanups.push(() => store.close());
  const nodeOf = (value: string) => (JSON.parse(value) as { node?: string }).node;
  const cache = new StateCache(store, store, { indexes: { byNode: { prefix: '/registry/pods/', valueOf: (kv) => nodeOf(kv.value) } } });
  await store.create('/registry/pods/a/p1', '{"node":"n1"}');
  await cache.start();
  cleanups.push(() => cache.stop());
  await store.create('/registry/pods/a/p2', '{"node":"n1"}');
  await store.create('/registry/pods/b/p3', '{"node":"n2"}');
  await store.create('/registry/pods/b/p4', '{}');
  await store.create('/registry/configmaps/a/p5', '{"node":"n1"}');
  const p2 = await store.get('/registry/pods/a/p2');
  await store.update('/registry/pods/a/p2', '{"node":"n2"}', p2!.modRevision);
  await store.delete('/registry/pods/b/p3');
  assert.equal(await cache.waitFor(), true);
  const keys = (value: string, options = {}) => cache.listIndexed('byNode', value, '/registry/pods/', options)!.items.map((kv) => kv.key);
  assert.deepEqual(keys('n1'), ['/registry/pods/a/p1']);
  assert.deepEqual(keys('n2'), ['/registry/pods/a/p2']);
  assert.deepEqual(keys('n3'), []);
  assert.deepEqual(cache.listIndexed('byNode', 'n1', '/registry/pods/b/')!.items, []);
  await store.create('/registry/pods/c/p6', '{"node":"n2"}');
  assert.equal(await cache.waitFor(), true);
  const page = cache.listIndexed('byNode', 'n2', '/registry/pods/', { limit: 1 })!;
  assert.deepEqual([page.items.map((kv) => kv.key), page.more, page.remaining], [['/registry/pods/a/p2'], true, 1]);
  assert.deepEqual(keys('n2', { startKey: '/registry/pods/a/p2\u0000' }), ['/registry/pods/c/p6']);
  assert.equal(cache.listIndexed('nope', 'n1', '/registry/pods/'), undefined);
});
