import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { ApiError } from './api-error.ts';
import { FakeClock, settle } from './fake-clock.test-support.ts';
import { Informer, type ListerWatcher } from './informer.ts';
import type { KubeList, ListOptions, WatchEvent, WatchOptions } from './rest-client.ts';

interface Obj {
  metadata: { name: string; namespace: string; resourceVersion: string };
  data?: string;
}

const obj = (name: string, rv: number, data?: string): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, ...(data ? { data } : {}) });

/** A fake API: a set of objects at a revision, paged lists, and one watch at a time driven by the test. */
class FakeSource implements ListerWatcher<Obj> {
  objects = new Map<string, Obj>();
  revision = 0;
  lists: ListOptions[] = [];
  watches: WatchOptions[] = [];
  failLists = 0;
  private current?: { onEvent: (e: WatchEvent<Obj>) => void; onClose: (err?: Error) => void };

  async list(options: ListOptions): Promise<KubeList<Obj>> {
    this.lists.push(options);
    if (this.failLists > 0) {
      this.failLists--;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
    const all = [...this.objects.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const start = options.continue ? Number(options.continue) : 0;
    const end = options.limit ? start + options.limit : all.length;
    return {
      metadata: { resourceVersion: String(this.revision), ...(end < all.length ? { continue: String(end) } : {}) },
      items: all.slice(start, end).map((o) => structuredClone(o)),
    };
  }

  watch(options: WatchOptions, onEvent: (e: WatchEvent<Obj>) => void, onClose: (err?: Error) => void) {
    this.watches.push(options);
    const w = { onEvent, onClose };
    this.current = w;
    return { stop: () => { if (this.current === w) this.current = undefined; } };
  }

  /** Changes the fake's state; `deliver` says whether the open watch sees it. */
  put(name: string, data: string, deliver = true): void {
    const o = obj(name, ++this.revision, data);
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    this.objects.set(name, o);
    if (deliver) this.current?.onEvent({ type, object: structuredClone(o) });
  }

  remove(name: string, deliver = true): void {
    const o = this.objects.get(name)!;
    this.objects.delete(name);
    this.revision++;
    if (deliver) this.current?.onEvent({ type: 'DELETED', object: { ...o, metadata: { ...o.metadata, resourceVersion: String(this.revision) } } });
  }

  bookmark(): void {
    this.current?.onEvent({ type: 'BOOKMARK', object: { metadata: { name: '', namespace: '', resourceVersion: String(this.revision) } } });
  }

  close(err?: Error): void {
    const w = this.current;
    this.current = undefined;
    w?.onClose(err);
  }
}

function recorder(informer: Informer<Obj>) {
  const seen: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (old, o) => seen.push(`update ${o.metadata.name} ${old.data ?? ''}->${o.data ?? ''}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return seen;
}

const quiet = () => {};

describe('Informer', () => {
  test('lists in pages of 500, then watches from the list resourceVersion with bookmarks', async () => {
    const src = new FakeSource();
    for (let i = 0; i < 1203; i++) src.put(`o${String(i).padStart(4, '0')}`, 'x');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    const seen = recorder(informer);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.cache.size, 1203);
    assert.equal(seen.length, 1203);
    assert.deepEqual(src.lists.map((l) => [l.limit, l.continue]), [[500, undefined], [500, '500'], [500, '1000']]);
    assert.equal(src.watches[0].resourceVersion, '1203');
    assert.equal(src.watches[0].allowWatchBookmarks, true);
    informer.stop();
  });

  test('a relist hands its objects over without holding the thread; a handler added meanwhile gets each object once', async () => {
    const src = new FakeSource();
    for (let i = 0; i < 3000; i++) src.put(`o${String(i).padStart(4, '0')}`, 'x');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    let handed = 0;
    let late: string[] | undefined;
    informer.addEventHandler({
      onAdd: () => {
        handed++;
        // A handler with some work to do per object (a controller filing it, queueing its key).
        const t0 = performance.now();
        while (performance.now() - t0 < 0.02);
        // Once the hand-over is under way, something else registers a handler while it yields.
        if (handed === 1) setImmediate(() => (late = recorder(informer)));
      },
    });
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.equal(handed, 3000);
    assert.ok(late, 'the thread was given up during the hand-over');
    assert.equal(late.length, 3000);
    assert.equal(new Set(late).size, 3000, 'no object twice');
    informer.stop();
  });

  test('a removed handler gets nothing more, not even the rest of a relist; the others go on', async () => {
    const src = new FakeSource();
    for (let i = 0; i < 3000; i++) src.put(`o${String(i).padStart(4, '0')}`, 'x');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    let removedGot = 0;
    const removed = {
      onAdd: () => {
        removedGot++;
        const t0 = performance.now();
        while (performance.now() - t0 < 0.02);
        // Removed while the hand-over yields, a third of the way through.
        if (removedGot === 1) setImmediate(() => informer.removeEventHandler(removed));
      },
    };
    informer.addEventHandler(removed);
    const kept = recorder(informer);
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.ok(removedGot < 3000, `the removed handler stopped getting the relist (got ${removedGot})`);
    assert.equal(kept.length, 3000);
    const got = removedGot;
    src.put('late', 'y');
    assert.equal(kept.at(-1), 'add late');
    assert.equal(removedGot, got, 'nor later events');
    informer.stop();
  });

  test('delivers watch events to handlers and keeps the cache in step', async () => {
    const src = new FakeSource();
    src.put('a', '1');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync();
    src.put('b', '1');
    src.put('a', '2');
    src.remove('b');
    assert.deepEqual(seen, ['add a', 'add b', 'update a 1->2', 'delete b']);
    assert.deepEqual(informer.cache.keys(), ['ns/a']);
    assert.equal(informer.cache.get('ns/a')?.data, '2');
    src.bookmark();
    assert.equal(informer.lastSyncResourceVersion(), String(src.revision));
    informer.stop();
  });

  test('a handler added after sync gets an add for every cached object', async () => {
    const src = new FakeSource();
    src.put('a', '1');
    src.put('b', '1');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    informer.start();
    await informer.waitForSync();
    assert.deepEqual(recorder(informer).sort(), ['add a', 'add b']);
    informer.stop();
  });

  test('a cleanly ended watch is reopened from the last version seen, without a relist', async () => {
    const src = new FakeSource();
    src.put('a', '1');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync();
    src.put('a', '2');
    src.close();
    assert.equal(src.lists.length, 1);
    assert.equal(src.watches.at(-1)?.resourceVersion, String(src.revision));
    src.put('a', '3');
    assert.deepEqual(seen, ['add a', 'update a 1->2', 'update a 2->3']);
    informer.stop();
  });

  test('after a 410 it relists and delivers exactly the changes it missed', async () => {
    const src = new FakeSource();
    src.put('keep', '1');
    src.put('change', '1');
    src.put('gone', '1');
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync();
    seen.length = 0;
    src.put('change', '2', false);
    src.remove('gone', false);
    src.put('new', '1', false);
    src.close(new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' }));
    await settle();
    assert.deepEqual(seen.sort(), ['add new', 'delete gone', 'update change 1->2']);
    assert.equal(src.lists.length, 2);
    assert.equal(src.watches.at(-1)?.resourceVersion, String(src.revision));
    src.put('keep', '2');
    assert.equal(seen.at(-1), 'update keep 1->2');
    informer.stop();
  });

  test('a dropped connection relists, backing off while relists fail', async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    src.put('a', '1');
    const logs: string[] = [];
    const informer = new Informer(src, { clock, log: (l) => logs.push(l), initialBackoffMs: 100, maxBackoffMs: 1000 });
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync();
    src.put('a', '2', false);
    src.failLists = 3;
    src.close(new Error('socket hang up'));
    await settle();
    assert.equal(src.lists.length, 2);
    await clock.advance(99);
    assert.equal(src.lists.length, 2, 'waits 100 ms after the first failure');
    await clock.advance(1);
    assert.equal(src.lists.length, 3);
    await clock.advance(200);
    assert.equal(src.lists.length, 4);
    assert.deepEqual(seen, ['add a'], 'nothing delivered while the API is away');
    await clock.advance(400);
    assert.equal(src.lists.length, 5);
    assert.deepEqual(seen, ['add a', 'update a 1->2']);
    assert.ok(logs.some((l) => /socket hang up/.test(l)));
    informer.stop();
  });

  test('resync re-delivers every cached object as an update, each period', async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    src.put('a', '1');
    src.put('b', '1');
    const informer = new Informer(src, { clock, log: quiet, resyncPeriodMs: 30_000 });
    const seen = recorder(informer);
    informer.start();
    await informer.waitForSync();
    await clock.advance(30_000);
    assert.deepEqual(seen.slice(2).sort(), ['update a 1->1', 'update b 1->1']);
    await clock.advance(30_000);
    assert.equal(seen.length, 6);
    informer.stop();
    await clock.advance(30_000);
    assert.equal(seen.length, 6);
  });

  test('waitForSync resolves false when stopped before the first list succeeds', async () => {
    const src = new FakeSource();
    src.failLists = 100;
    const informer = new Informer(src, { clock: new FakeClock(), log: quiet });
    informer.start();
    const waiting = informer.waitForSync();
    informer.stop();
    assert.equal(await waiting, false);
    assert.equal(informer.hasSynced(), false);
  });

  test('a watch refused again and again is retried with backoff, not in a tight loop', async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    src.put('a', '1');
    const informer = new Informer(src, { clock, log: quiet, initialBackoffMs: 100, maxBackoffMs: 1000 });
    informer.start();
    await informer.waitForSync();
    const forbidden = new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden', message: 'no' });
    src.close(forbidden);
    await settle();
    assert.equal(src.lists.length, 2, 'the first failure relists at once');
    src.close(forbidden);
    await settle();
    assert.equal(src.lists.length, 2, 'a second failure with nothing delivered waits');
    await clock.advance(100);
    assert.equal(src.lists.length, 3);
    src.close(forbidden);
    await clock.advance(199);
    assert.equal(src.lists.length, 3);
    await clock.advance(1);
    assert.equal(src.lists.length, 4);
    src.put('a', '2');
    src.close(forbidden);
    await settle();
    assert.equal(src.lists.length, 5, 'a watch that delivered events counts as a first failure again');
    informer.stop();
  });
});
