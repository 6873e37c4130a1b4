import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite.ts';
import { CompactedError, StoreUnavailableError, type KeyValue, type Store, type Watch, type WatchCallbacks, type WatchEvent } from './store.ts';
import { WatchCache } from './watch-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-watch-cache-'));
const opened: Store[] = [];
after(async () => {
  for (const store of opened) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh SQLite store behind a wrapper that counts the watches opened on it. */
function countingStore(): { store: Store; watches: () => number } {
  const inner = SqliteStore.open(join(dir, `${opened.length}`, 'state.db'));
  opened.push(inner);
  let watches = 0;
  const store: Store = {
    get: (key) => inner.get(key),
    list: (prefix, options) => inner.list(prefix, options),
    count: (prefix) => inner.count(prefix),
    create: (key, value) => inner.create(key, value),
    update: (key, value, expected) => inner.update(key, value, expected),
    delete: (key, expected) => inner.delete(key, expected),
    watch: (prefix, from, callbacks) => {
      watches++;
      return inner.watch(prefix, from, callbacks);
    },
    currentRevision: () => inner.currentRevision(),
    compactedRevision: () => inner.compactedRevision(),
    compact: (revision) => inner.compact(revision),
    close: () => inner.close(),
  };
  return { store, watches: () => watches };
}

/** Records what one watcher sees; `until(n)` resolves once it has seen n events. */
function recorder() {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  let wake = () => {};
  const callbacks: WatchCallbacks = {
    onEvents(batch) {
      events.push(...batch);
      wake();
    },
    onError(err) {
      errors.push(err);
      wake();
    },
  };
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      wake = () => (events.length >= n || errors.length > 0) && resolve();
      wake();
    });
  return { events, errors, callbacks, until };
}

const revisions = (events: WatchEvent[]) => events.map((e) => e.kv.modRevision);

test('a thousand watchers each see every event in order, over one store watch', async () => {
  const { store, watches } = countingStore();
  await store.create('/registry/pods/default/before', 'x');
  const cache = new WatchCache(store);
  await cache.start();
  const from = cache.revision;
  const watchers = Array.from({ length: 1000 }, () => recorder());
  for (const w of watchers) cache.watch('/registry/pods/', from, w.callbacks);

  const writes = Array.from({ length: 50 }, (_, i) => store.create(`/registry/pods/default/p${i}`, `${i}`));
  const written = await Promise.all(writes);
  await Promise.all(watchers.map((w) => w.until(50)));

  const expected = written.map((kv) => kv.modRevision);
  for (const w of watchers) {
    assert.deepEqual(revisions(w.events), expected);
    assert.deepEqual(w.errors, []);
  }
  assert.equal(watches(), 1);
  assert.equal(cache.revision, expected[expected.length - 1]);
  cache.stop();
});

test('a watcher resuming from a recent revision is replayed from memory, then goes live', async () => {
  const { store, watches } = countingStore();
  const cache = new WatchCache(store);
  await cache.start();
  const first = await store.create('/registry/configmaps/ns/a', '1');
  await store.update('/registry/configmaps/ns/a', '2', first.modRevision);
  await store.create('/registry/secrets/ns/s', 'not a configmap');
  await store.create('/registry/configmaps/ns/b', '1');

  const resumed = recorder();
  const watch = cache.watch('/registry/configmaps/', first.modRevision, resumed.callbacks);
  assert.equal(watch.live, true, 'handed the ring at once: a bookmark at the cache revision skips nothing');
  const later = await store.create('/registry/configmaps/ns/c', '1');
  await resumed.until(3);
  assert.deepEqual(
    resumed.events.map((e) => [e.kv.key, e.kv.value]),
    [['/registry/configmaps/ns/a', '2'], ['/registry/configmaps/ns/b', '1'], ['/registry/configmaps/ns/c', '1']],
  );
  assert.equal(resumed.events[2].kv.modRevision, later.modRevision);
  assert.equal(watches(), 1);
  cache.stop();
});

test('a watcher older than the ring is served by the store; one older than compaction gets CompactedError', async () => {
  const { store, watches } = countingStore();
  const cache = new WatchCache(store, { capacity: 3 });
  await cache.start();
  const written: KeyValue[] = [];
  for (let i = 0; i < 8; i++) written.push(await store.create(`/registry/leases/l${i}`, `${i}`));
  const caught = recorder();
  cache.watch('/registry/leases/', written[written.length - 1].modRevision, caught.callbacks);
  await store.create('/registry/leases/sync', 'x');
  await caught.until(1);

  const old = recorder();
  cache.watch('/registry/leases/', written[1].modRevision, old.callbacks);
  await old.until(7);
  const expected = [...written.slice(2).map((kv) => kv.modRevision), written[7].modRevision + 1];
  assert.deepEqual(revisions(old.events), expected);
  assert.equal(watches(), 2);

  await store.compact(written[4].modRevision);
  const compacted = recorder();
  cache.watch('/registry/leases/', written[1].modRevision, compacted.callbacks);
  await compacted.until(1);
  assert.ok(compacted.errors[0] instanceof CompactedError);
  cache.stop();
});

test('a watcher whose callback throws is ended alone; the others keep receiving', async () => {
  const { store } = countingStore();
  const cache = new WatchCache(store);
  await cache.start();
  const broken = recorder();
  cache.watch('/registry/', cache.revision, {
    onEvents: () => {
      throw new Error('consumer bug');
    },
    onError: broken.callbacks.onError,
  });
  const healthy = recorder();
  cache.watch('/registry/', cache.revision, healthy.callbacks);
  await store.create('/registry/a', '1');
  await store.create('/registry/b', '2');
  await healthy.until(2);
  await broken.until(1);
  assert.equal(broken.errors[0].message, 'consumer bug');
  assert.deepEqual(healthy.events.map((e) => e.kv.key), ['/registry/a', '/registry/b']);
  cache.stop();
});

test('a cancelled watcher stops receiving and stop() ends the store watch', async () => {
  const { store } = countingStore();
  const cache = new WatchCache(store);
  await cache.start();
  const cancelled = recorder();
  const watch = cache.watch('/registry/', cache.revision, cancelled.callbacks);
  const kept = recorder();
  cache.watch('/registry/', cache.revision, kept.callbacks);
  await store.create('/registry/a', '1');
  await cancelled.until(1);
  watch.cancel();
  await store.create('/registry/b', '2');
  await kept.until(2);
  assert.deepEqual(cancelled.events.map((e) => e.kv.key), ['/registry/a']);

  cache.stop();
  await store.create('/registry/c', '3');
  const direct = recorder();
  store.watch('/registry/', 0, direct.callbacks);
  await direct.until(3);
  assert.deepEqual(kept.events.map((e) => e.kv.key), ['/registry/a', '/registry/b']);
});

/**
 * A SQLite store whose watches can be broken on demand, as an etcd outage breaks them; while
 * `down`, new watches fail at once.
 */
function breakableStore() {
  const { store: inner, watches } = countingStore();
  const open = new Set<{ watch: Watch; callbacks: WatchCallbacks }>();
  let down = false;
  const store: Store = Object.assign(Object.create(inner) as Store, {
    watch: (prefix: string, from: number, callbacks: WatchCallbacks) => {
      if (down) {
        queueMicrotask(() => callbacks.onError?.(new StoreUnavailableError('etcd is down')));
        return { cancel() {} };
      }
      const entry = { watch: inner.watch(prefix, from, callbacks), callbacks };
      open.add(entry);
      return {
        cancel() {
          open.delete(entry);
          entry.watch.cancel();
        },
      };
    },
  });
  for (const name of ['get', 'list', 'count', 'create', 'update', 'delete', 'currentRevision', 'compactedRevision', 'compact', 'close'] as const) {
    (store as unknown as Record<string, unknown>)[name] = (inner[name] as (...args: unknown[]) => unknown).bind(inner);
  }
  const breakWatches = (err: Error) => {
    for (const entry of [...open]) {
      open.delete(entry);
      entry.watch.cancel();
      entry.callbacks.onError?.(err);
    }
  };
  const setDown = (value: boolean) => {
    down = value;
    if (down) breakWatches(new StoreUnavailableError('etcd went away'));
  };
  return { store, breakWatches, setDown, watches };
}

test('after the store watch breaks, the cache reopens it from its last revision and watchers miss nothing', async () => {
  const { store, breakWatches, watches } = breakableStore();
  const cache = new WatchCache(store, { retryDelayMs: 1 });
  await cache.start();
  const w = recorder();
  cache.watch('/registry/pods/', cache.revision, w.callbacks);
  const a = await store.create('/registry/pods/ns/a', '1');
  await w.until(1);

  breakWatches(new StoreUnavailableError('etcd went away'));
  // Written while the cache had no store watch.
  await store.create('/registry/pods/ns/b', '1');
  await store.create('/registry/pods/ns/c', '1');
  // A watcher that arrives during the outage, resuming from before it.
  const late = recorder();
  cache.watch('/registry/pods/', a.modRevision, late.callbacks);
  await w.until(3);
  await store.create('/registry/pods/ns/d', '1');
  await w.until(4);
  await late.until(3);

  assert.deepEqual(w.events.map((e) => e.kv.key), ['/registry/pods/ns/a', '/registry/pods/ns/b', '/registry/pods/ns/c', '/registry/pods/ns/d']);
  assert.deepEqual(w.errors, []);
  assert.deepEqual(late.events.map((e) => e.kv.key), ['/registry/pods/ns/b', '/registry/pods/ns/c', '/registry/pods/ns/d']);
  assert.equal(watches(), 2);
  cache.stop();
});

test('if history was compacted while the store watch was down, watchers end with CompactedError and the cache starts over', async () => {
  const { store, setDown } = breakableStore();
  const cache = new WatchCache(store, { retryDelayMs: 1, maxRetryDelayMs: 20 });
  await cache.start();
  const w = recorder();
  cache.watch('/registry/pods/', cache.revision, w.callbacks);
  setDown(true);
  // Writes and a compaction the cache cannot see.
  await store.create('/registry/pods/ns/a', '1');
  const b = await store.create('/registry/pods/ns/b', '1');
  await store.compact(b.modRevision);
  setDown(false);
  await w.until(1);
  assert.deepEqual(w.events, []);
  assert.ok(w.errors[0] instanceof CompactedError);

  await waitUntil(() => cache.revision === b.modRevision);
  const after = recorder();
  cache.watch('/registry/pods/', cache.revision, after.callbacks);
  await store.create('/registry/pods/ns/c', '1');
  await after.until(1);
  assert.deepEqual(after.events.map((e) => e.kv.key), ['/registry/pods/ns/c']);
  cache.stop();
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 1000) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a watch narrowed by an index value gets the events of keys filed there before or after, and only those', async () => {
  const { store } = countingStore();
  // Values are "node:key-suffix"; the index files a key under its node.
  const byNode = { prefix: '/registry/pods/', valueOf: (kv: KeyValue) => kv.value.split(':')[0] };
  const cache = new WatchCache(store, { indexes: { node: byNode } });
  await cache.start();
  const from = cache.revision;
  const onA = recorder();
  const onB = recorder();
  const everything = recorder();
  cache.watch('/registry/pods/', from, onA.callbacks, { name: 'node', value: 'a' });
  cache.watch('/registry/pods/', from, onB.callbacks, { name: 'node', value: 'b' });
  cache.watch('/registry/pods/', from, everything.callbacks);

  const unbound = await store.create('/registry/pods/default/p1', ':1');
  const bound = await store.update('/registry/pods/default/p1', 'a:1', unbound.modRevision);
  await store.create('/registry/pods/default/p2', 'b:2');
  const gone = await store.delete('/registry/pods/default/p1', bound.modRevision);
  await everything.until(4);
  await onA.until(2);
  await onB.until(1);

  assert.deepEqual(revisions(onA.events), [bound.modRevision, gone.modRevision], 'a sees p1 arrive and go, not the unbound write or p2');
  assert.deepEqual(onB.events.map((e) => e.kv.key), ['/registry/pods/default/p2']);
  assert.equal(everything.events.length, 4);
});

test('an index the cache does not know leaves the watch unnarrowed', async () => {
  const { store } = countingStore();
  const cache = new WatchCache(store);
  await cache.start();
  const w = recorder();
  cache.watch('/registry/pods/', cache.revision, w.callbacks, { name: 'no-such-index', value: 'a' });
  await store.create('/registry/pods/default/p1', 'b:1');
  await w.until(1);
  assert.equal(w.events.length, 1);
});

test('a cancelled narrowed watch gets nothing more', async () => {
  const { store } = countingStore();
  const byNode = { prefix: '/registry/pods/', valueOf: (kv: KeyValue) => kv.value.split(':')[0] };
  const cache = new WatchCache(store, { indexes: { node: byNode } });
  await cache.start();
  const cancelled = recorder();
  const kept = recorder();
  cache.watch('/registry/pods/', cache.revision, cancelled.callbacks, { name: 'node', value: 'a' }).cancel();
  cache.watch('/registry/pods/', cache.revision, kept.callbacks, { name: 'node', value: 'a' });
  await store.create('/registry/pods/default/p1', 'a:1');
  await kept.until(1);
  assert.equal(cancelled.events.length, 0);
});

test("an event's previous value is the same copy its key's last event in the history carries", async () => {
  const { store } = countingStore();
  const cache = new WatchCache(store, { capacity: 3 });
  await cache.start();
  const from = cache.revision;
  const w = recorder();
  cache.watch('/registry/', from, w.callbacks);
  const one = await store.create('/registry/configmaps/ns/a', '1');
  const two = await store.update('/registry/configmaps/ns/a', '2', one.modRevision);
  const three = await store.update('/registry/configmaps/ns/a', '3', two.modRevision);
  await store.delete('/registry/configmaps/ns/a', three.modRevision);
  await w.until(4);
  const [created, second, third, deleted] = w.events;
  assert.equal(second.prevKv, created.kv);
  assert.equal(third.prevKv, second.kv);
  assert.equal(deleted.prevKv, third.kv);
  assert.deepEqual([second.prevKv?.value, third.prevKv?.value, deleted.prevKv?.value, deleted.kv.value], ['1', '2', '3', '3']);
  // The history keeps 3 events: once the key's last event is gone from it, a new value is not shared.
  const again = await store.create('/registry/configmaps/ns/a', '4');
  const b1 = await store.create('/registry/configmaps/ns/b', '1');
  await store.create('/registry/configmaps/ns/c', '1');
  await store.create('/registry/configmaps/ns/d', '1');
  await store.update('/registry/configmaps/ns/a', '5', again.modRevision);
  await store.update('/registry/configmaps/ns/b', '2', b1.modRevision);
  await w.until(10);
  assert.equal(w.events[8].prevKv?.value, '4');
  assert.notEqual(w.events[8].prevKv, w.events[4].kv);
  assert.equal(w.events[9].prevKv?.value, '1');
  cache.stop();
});
