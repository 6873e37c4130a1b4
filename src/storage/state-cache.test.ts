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

test('later pages of a list it paginated are read at the list revision, from memory, as the store reads them', async () => {
  const { store, cache } = await started();
  const put = async (key: string, value: string) => {
    const kv = await store.get(key);
    return kv ? store.update(key, value, kv.modRevision) : store.create(key, value);
  };
  for (let i = 0; i < 40; i++) await put(`/registry/pods/ns/p${String(i).padStart(2, '0')}`, `{"i":${i}}`);
  await put('/registry/services/ns/s', '{}');
  assert.equal(await cache.waitFor(), true);
  const first = cache.list('/registry/pods/', { limit: 10 })!;
  assert.equal(first.more, true);
  const pinned = first.revision;
  // Between pages: a change, a delete, a delete and create again, a key that is new, a key
  // deleted ahead of the pages and one behind them, a change outside the list's prefix.
  await put('/registry/pods/ns/p15', '{"i":"changed"}');
  await put('/registry/pods/ns/p15', '{"i":"changed twice"}');
  await store.delete('/registry/pods/ns/p22');
  await store.delete('/registry/pods/ns/p30');
  await put('/registry/pods/ns/p30', '{"i":"again"}');
  await put('/registry/pods/ns/p25a', '{"new":true}');
  await store.delete('/registry/pods/ns/p03');
  await put('/registry/services/ns/s', '{"changed":true}');
  assert.equal(await cache.waitFor(), true);
  assert.notEqual(cache.revision, pinned);
  let startKey = `${first.items.at(-1)!.key}\u0000`;
  for (;;) {
    const options = { revision: pinned, limit: 7, startKey };
    const fromCache = cache.list('/registry/pods/', options);
    assert.ok(fromCache, `the cache answers the page from ${startKey}`);
    assert.deepEqual(strip(fromCache), strip(await store.list('/registry/pods/', options)), startKey);
    if (!fromCache.more) break;
    startKey = `${fromCache.items.at(-1)!.key}\u0000`;
  }
  const whole = { revision: pinned, startKey: '/registry/pods/ns/p10' };
  assert.deepEqual(strip(cache.list('/registry/pods/', whole)!), strip(await store.list('/registry/pods/', whole)));
  // Nothing pinned that revision for another collection: the store answers.
  assert.equal(cache.list('/registry/services/', { revision: pinned }), undefined);
});

test('a snapshot no page reads any more, or one past the bound on values held, is let go (the store answers then)', async () => {
  const store = SqliteStore.open(join(dir, 'snapshots', 'state.db'));
  cleanups.push(() => store.close());
  let now = 0;
  const cache = new StateCache(store, store, { snapshots: { maxEntries: 3, idleMs: 1000, now: () => now } });
  await cache.start();
  cleanups.push(() => cache.stop());
  for (let i = 0; i < 5; i++) await store.create(`/registry/pods/ns/p${i}`, '{}');
  assert.equal(await cache.waitFor(), true);
  const idle = cache.list('/registry/pods/', { limit: 2 })!.revision;
  await store.update('/registry/pods/ns/p4', '{"i":1}', (await store.get('/registry/pods/ns/p4'))!.modRevision);
  assert.equal(await cache.waitFor(), true);
  assert.ok(cache.list('/registry/pods/', { revision: idle, limit: 2 }), 'read at once, it is there');
  now += 1001;
  await store.update('/registry/pods/ns/p4', '{"i":2}', (await store.get('/registry/pods/ns/p4'))!.modRevision);
  assert.equal(await cache.waitFor(), true);
  assert.equal(cache.list('/registry/pods/', { revision: idle, limit: 2 }), undefined, 'idle for longer than idleMs');

  const bounded = cache.list('/registry/pods/', { limit: 2 })!.revision;
  for (let i = 0; i < 3; i++) await store.update(`/registry/pods/ns/p${i}`, '{"x":1}', (await store.get(`/registry/pods/ns/p${i}`))!.modRevision);
  assert.equal(await cache.waitFor(), true);
  assert.ok(cache.list('/registry/pods/', { revision: bounded, limit: 2 }), 'three values held: within the bound');
  await store.update('/registry/pods/ns/p3', '{"x":1}', (await store.get('/registry/pods/ns/p3'))!.modRevision);
  assert.equal(await cache.waitFor(), true);
  assert.equal(cache.list('/registry/pods/', { revision: bounded, limit: 2 }), undefined, 'a fourth value: past the bound');
});

test('a key is looked up, not listed: the keys it prefixes are not read and no snapshot is pinned', async () => {
  const { store, cache } = await started();
  for (const name of ['p9', 'p90', 'p91']) await store.create(`/registry/pods/ns/${name}`, `{"n":"${name}"}`);
  assert.equal(await cache.waitFor(), true);
  assert.equal(cache.get('/registry/pods/ns/p9')?.value, '{"n":"p9"}');
  assert.equal(cache.get('/registry/pods/ns/p'), undefined, 'absent, though it prefixes three keys');
  assert.equal(cache.heldSnapshots, 0);
  // A cut list does pin one: its continue pages read at its revision.
  cache.list('/registry/pods/ns/p9', { limit: 1 });
  assert.equal(cache.heldSnapshots, 1);
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

test('keys under an uncached prefix are not kept: the store answers for them, and their writes still move the revision on', async () => {
  const store = SqliteStore.open(join(dir, 'uncached', 'state.db'));
  cleanups.push(() => store.close());
  const watchCache = new WatchCache(store);
  await watchCache.start();
  cleanups.push(() => watchCache.stop());
  await store.create('/registry/events/ns/listed', '{"e":1}');
  const cache = new StateCache(store, watchCache, { uncached: ['/registry/events/'] });
  await cache.start();
  cleanups.push(() => cache.stop());
  await store.create('/registry/events/ns/watched', '{"e":2}');
  const pod = await store.create('/registry/pods/ns/p', '{}');
  assert.equal(await cache.waitFor(pod.modRevision), true);
  assert.equal(cache.size, 1);
  assert.equal(cache.get('/registry/events/ns/watched'), undefined);
  for (const prefix of ['/registry/events/', '/registry/events/ns/', '/registry/']) assert.equal(cache.list(prefix), undefined, prefix);
  assert.deepEqual(cache.list('/registry/pods/')!.items.map((kv) => kv.key), ['/registry/pods/ns/p']);
  const event = await store.create('/registry/events/ns/last', '{}');
  assert.equal(await cache.waitFor(event.modRevision), true);
  assert.equal(cache.revision, event.modRevision);
});
