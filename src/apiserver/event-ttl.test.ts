/**
 * Events expire a TTL after their last write (upstream's --event-ttl), over a real SQLite store
 * and watch cache, with time moved by hand.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { SqliteStore } from '../storage/sqlite.ts';
import type { Store, WatchEvent } from '../storage/store.ts';
import { WatchCache } from '../storage/watch-cache.ts';
import { lastEventTime, startEventTtl, type RunningEventTtl } from './event-ttl.ts';
import { EVENT_PREFIXES } from './storage-keys.ts';

const TTL = 60 * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'skiff-event-ttl-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

const CORE = `${EVENT_PREFIXES[0]}default/`;
const EVENTS_API = `${EVENT_PREFIXES[1]}default/`;

async function opened(): Promise<{ store: Store; watchCache: WatchCache }> {
  const store = SqliteStore.open(join(dir, `${cleanups.length}`, 'state.db'));
  cleanups.push(() => store.close());
  const watchCache = new WatchCache(store);
  await watchCache.start();
  cleanups.push(() => watchCache.stop());
  return { store, watchCache };
}

function started(store: Store, watchCache: WatchCache, clock: FakeClock): RunningEventTtl {
  const ttl = startEventTtl({ store, watchCache, prefixes: EVENT_PREFIXES, ttlMs: TTL, clock, log: () => {} });
  cleanups.push(() => ttl.stop());
  return ttl;
}

/** Waits until the watch cache has passed on every write up to `revision`. */
async function caughtUp(watchCache: WatchCache, revision: number): Promise<void> {
  while (watchCache.revision < revision) await new Promise((r) => setTimeout(r, 2));
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

const event = (name: string, fields: Record<string, unknown> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, reason: 'Test', ...fields });

test('an Event nobody writes again is deleted a TTL after its write, and watchers see it go', async () => {
  const { store, watchCache } = await opened();
  const clock = new FakeClock();
  const ttl = started(store, watchCache, clock);
  await ttl.scanned;
  const deleted: string[] = [];
  const watch = watchCache.watch('/registry/', watchCache.revision, { onEvents: (events: WatchEvent[]) => deleted.push(...events.filter((e) => e.type === 'DELETE').map((e) => e.kv.key)) });
  cleanups.push(() => watch.cancel());
  await store.create(`${CORE}a`, event('a'));
  const last = await store.create(`${EVENTS_API}b`, event('b'));
  await store.create('/registry/configmaps/default/c', '{}');
  await caughtUp(watchCache, last.modRevision);

  await clock.advance(TTL - 1000);
  await ttl.sweep();
  assert.ok(await store.get(`${CORE}a`), 'still there before its TTL');
  assert.ok(await store.get(`${EVENTS_API}b`));

  await clock.advance(2000);
  await ttl.sweep();
  assert.equal(await store.get(`${CORE}a`), undefined);
  assert.equal(await store.get(`${EVENTS_API}b`), undefined);
  assert.ok(await store.get('/registry/configmaps/default/c'), 'other objects do not expire');
  await caughtUp(watchCache, await store.currentRevision());
  assert.deepEqual(deleted.sort(), [`${CORE}a`, `${EVENTS_API}b`].sort());
});

test('each write moves the deadline: an Event goes a TTL after its last write', async () => {
  const { store, watchCache } = await opened();
  const clock = new FakeClock();
  const ttl = started(store, watchCache, clock);
  await ttl.scanned;
  const first = await store.create(`${CORE}repeated`, event('repeated', { count: 1 }));
  await caughtUp(watchCache, first.modRevision);
  await clock.advance(TTL * 0.6);
  const second = await store.update(`${CORE}repeated`, event('repeated', { count: 2 }), first.modRevision);
  await caughtUp(watchCache, second.modRevision);

  await clock.advance(TTL * 0.6);
  await ttl.sweep();
  assert.equal(JSON.parse((await store.get(`${CORE}repeated`))!.value).count, 2, 'the first write\'s deadline passed, the second\'s has not');

  await clock.advance(TTL * 0.6);
  await ttl.sweep();
  assert.equal(await store.get(`${CORE}repeated`), undefined);
});

test('Events stored before the server started expire by their own timestamps', async () => {
  const { store, watchCache } = await opened();
  const clock = new FakeClock();
  const iso = (ms: number) => new Date(ms).toISOString();
  await store.create(`${CORE}old`, event('old', { metadata: { name: 'old', creationTimestamp: iso(clock.now() - 3 * TTL) }, lastTimestamp: iso(clock.now() - 2 * TTL) }));
  await store.create(`${CORE}recent`, event('recent', { metadata: { name: 'recent', creationTimestamp: iso(clock.now() - 2 * TTL) }, lastTimestamp: iso(clock.now() - 60_000) }));
  await store.create(`${EVENTS_API}series`, event('series', { eventTime: iso(clock.now() - 2 * TTL), series: { count: 3, lastObservedTime: iso(clock.now() - 120_000) } }));
  await store.create(`${CORE}undated`, event('undated'));
  await store.create('/registry/pods/default/p', '{}');

  const ttl = started(store, watchCache, clock);
  await ttl.sweep();
  assert.equal(await store.get(`${CORE}old`), undefined, 'last written two TTLs ago');
  for (const key of [`${CORE}recent`, `${EVENTS_API}series`, `${CORE}undated`]) assert.ok(await store.get(key), key);

  await clock.advance(TTL);
  await ttl.sweep();
  for (const key of [`${CORE}recent`, `${EVENTS_API}series`, `${CORE}undated`]) assert.equal(await store.get(key), undefined, key);
  assert.ok(await store.get('/registry/pods/default/p'));
});

test('lastEventTime takes the latest of the timestamps an Event has', () => {
  assert.equal(lastEventTime(event('e', { metadata: { creationTimestamp: '2026-11-27T10:00:00Z' }, lastTimestamp: '2026-11-27T11:00:00Z' })), Date.parse('2026-11-27T11:00:00Z'));
  assert.equal(lastEventTime(event('e', { eventTime: '2026-11-27T10:00:00.123456Z', series: { lastObservedTime: '2026-11-27T12:00:00.000001Z' } })), Date.parse('2026-11-27T12:00:00.000001Z'));
  assert.equal(lastEventTime(event('e')), undefined);
  assert.equal(lastEventTime('not json'), undefined);
});
