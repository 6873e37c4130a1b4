import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite.ts';
import { CompactedError, type KeyValue, type Store, type WatchCallbacks, type WatchEvent } from './store.ts';
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
  cache.watch('/registry/configmaps/', first.modRevision, resumed.callbacks);
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
