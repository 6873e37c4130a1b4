import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  type Store,
  type Watch,
  type WatchEvent,
} from './store.ts';

/**
 * The promises of store.ts as node:test cases, run against every backend (one suite, every
 * implementation). `open` must return a fresh store holding no keys each time; the suite
 * closes it. Revisions are asserted relative to the fresh store's revision (0 for SQLite; a
 * fresh etcd is at 1).
 */
export function runStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, { timeout: 120_000 }, () => {
    const stores: Store[] = [];
    const fresh = async () => {
      const store = await open();
      stores.push(store);
      return store;
    };
    after(async () => {
      for (const s of stores) await s.close();
    });

    test('each write moves the revision by one', async () => {
      const s = await fresh();
      const r = await base(s);
      const a = await s.create('/r/a', 'a1');
      assert.deepEqual(a, { key: '/r/a', value: 'a1', createRevision: r(1), modRevision: r(1) });
      const b = await s.create('/r/b', 'b1');
      assert.equal(b.modRevision, r(2));
      const a2 = await s.update('/r/a', 'a2', a.modRevision);
      assert.deepEqual(a2, { key: '/r/a', value: 'a2', createRevision: r(1), modRevision: r(3) });
      assert.equal(await s.currentRevision(), r(3));
      assert.deepEqual(await s.get('/r/a'), a2);
      assert.equal(await s.get('/r/missing'), undefined);
    });

    test('create fails on an existing key and writes nothing', async () => {
      const s = await fresh();
      const r = await base(s);
      await s.create('/r/a', 'one');
      await assert.rejects(s.create('/r/a', 'two'), (err) => err instanceof KeyExistsError && err.key === '/r/a');
      assert.equal((await s.get('/r/a'))?.value, 'one');
      assert.equal(await s.currentRevision(), r(1));
    });

    test('update needs the key and its current revision; a conflict carries the current value', async () => {
      const s = await fresh();
      const r = await base(s);
      await assert.rejects(s.update('/r/none', 'x', 1), KeyNotFoundError);
      const v1 = await s.create('/r/a', 'v1');
      const v2 = await s.update('/r/a', 'v2', v1.modRevision);
      await assert.rejects(s.update('/r/a', 'stale', v1.modRevision), (err) => {
        assert.ok(err instanceof ConflictError);
        assert.deepEqual(err.current, v2);
        return true;
      });
      assert.equal((await s.get('/r/a'))?.value, 'v2');
      assert.equal(await s.currentRevision(), r(2));
    });

    test('delete returns the removed value at the revision of the delete', async () => {
      const s = await fresh();
      const r = await base(s);
      const v1 = await s.create('/r/a', 'v1');
      await s.create('/r/b', 'b');
      await assert.rejects(s.delete('/r/a', v1.modRevision + 1), ConflictError);
      const gone = await s.delete('/r/a', v1.modRevision);
      assert.deepEqual(gone, { key: '/r/a', value: 'v1', createRevision: r(1), modRevision: r(3) });
      assert.equal(await s.get('/r/a'), undefined);
      await assert.rejects(s.delete('/r/a'), KeyNotFoundError);
      const unconditional = await s.delete('/r/b');
      assert.deepEqual(unconditional, { key: '/r/b', value: 'b', createRevision: r(2), modRevision: r(4) });
      const again = await s.create('/r/a', 'v2');
      assert.deepEqual(again, { key: '/r/a', value: 'v2', createRevision: r(5), modRevision: r(5) });
    });

    test('list returns the keys under a prefix in key order, now or at an older revision', async () => {
      const s = await fresh();
      const r = await base(s);
      await s.create('/r/pods/b', 'b1');
      const a = await s.create('/r/pods/a', 'a1');
      await s.create('/r/podsx', 'not under /r/pods/');
      await s.create('/r/services/a', 'svc');
      const before = await s.currentRevision();
      await s.update('/r/pods/a', 'a2', a.modRevision);
      await s.delete('/r/pods/b');
      await s.create('/r/pods/c', 'c1');

      const now = await s.list('/r/pods/');
      assert.deepEqual(now.items.map((kv) => [kv.key, kv.value]), [['/r/pods/a', 'a2'], ['/r/pods/c', 'c1']]);
      assert.equal(now.revision, await s.currentRevision());
      assert.equal(now.more, false);
      assert.equal(now.remaining, 0);

      const then = await s.list('/r/pods/', { revision: before });
      assert.deepEqual(then.items, [
        { key: '/r/pods/a', value: 'a1', createRevision: r(2), modRevision: r(2) },
        { key: '/r/pods/b', value: 'b1', createRevision: r(1), modRevision: r(1) },
      ]);
      assert.equal(then.revision, before);
      assert.equal((await s.list('/r/')).items.length, 4);
    });

    test('list pages with limit and startKey stay at one revision while writes go on', async () => {
      const s = await fresh();
      const keys = Array.from({ length: 10 }, (_, i) => `/r/cm/k${String(i).padStart(2, '0')}`);
      for (const key of keys) await s.create(key, `${key}=1`);
      await s.create('/r/other', 'x');

      const seen: string[] = [];
      let page = await s.list('/r/cm/', { limit: 3 });
      const revision = page.revision;
      assert.equal(page.more, true);
      assert.equal(page.remaining, 7);
      for (;;) {
        seen.push(...page.items.map((kv) => kv.value));
        if (!page.more) break;
        // Writes between pages must not show up in a list pinned to its first revision.
        const head = (await s.get(keys[0]))!;
        await s.update(keys[0], 'changed', head.modRevision);
        await s.delete(keys[9]).catch(() => undefined);
        await s.create(`/r/cm/k05x${seen.length}`, 'new');
        const last = page.items[page.items.length - 1].key;
        page = await s.list('/r/cm/', { limit: 3, revision, startKey: `${last}\u0000` });
        assert.equal(page.revision, revision);
        assert.equal(page.remaining, page.more ? 10 - seen.length - page.items.length : 0);
      }
      assert.deepEqual(seen, keys.map((key) => `${key}=1`));

      const fromMiddle = await s.list('/r/cm/', { revision, startKey: keys[4], limit: 100 });
      assert.deepEqual(fromMiddle.items.map((kv) => kv.key), keys.slice(4));
      assert.equal(fromMiddle.more, false);
    });

    test('count counts the live keys under a prefix', async () => {
      const s = await fresh();
      assert.equal(await s.count('/r/'), 0);
      await s.create('/r/a/1', '');
      await s.create('/r/a/2', '');
      await s.create('/r/b/1', '');
      await s.delete('/r/a/1');
      assert.equal(await s.count('/r/a/'), 1);
      assert.equal(await s.count('/r/'), 2);
    });

    test('watch replays every change after a revision in order, then goes live with no gap or repeat', async () => {
      const s = await fresh();
      const r = await base(s);
      const a = await s.create('/r/a', 'a1');
      await s.create('/r/b', 'b1');
      const from = await s.currentRevision();
      const a2 = await s.update('/r/a', 'a2', a.modRevision);
      await s.delete('/r/b');

      const seen = collect(s, '/r/', from);
      // Writes issued while the replay is being delivered. Concurrent writes may be applied in
      // any order; the watch shows them in the order of the revisions they were given.
      const inFlight = await Promise.all([s.create('/r/c', 'c1'), s.update('/r/a', 'a3', a2.modRevision), s.create('/r/d', 'd1')]);
      await seen.until(5);
      await s.create('/r/e', 'marker');
      await seen.until(6);
      seen.watch.cancel();

      assert.deepEqual(
        seen.events.map((e) => [e.type, e.kv.key, e.kv.value, e.kv.modRevision]),
        [
          ['PUT', '/r/a', 'a2', r(3)],
          ['DELETE', '/r/b', 'b1', r(4)],
          ...inFlight.sort((x, y) => x.modRevision - y.modRevision).map((kv) => ['PUT', kv.key, kv.value, kv.modRevision]),
          ['PUT', '/r/e', 'marker', r(8)],
        ],
      );
      assert.deepEqual(inFlight.map((kv) => kv.modRevision), [r(5), r(6), r(7)]);
      assert.deepEqual(seen.events[0].prevKv, a);
      const byKey = (key: string) => seen.events.find((e) => e.kv.modRevision > r(4) && e.kv.key === key)!;
      assert.equal(byKey('/r/c').prevKv, undefined);
      assert.equal(byKey('/r/a').prevKv?.value, 'a2');
    });

    test('watch delivers only keys under its prefix', async () => {
      const s = await fresh();
      const seen = collect(s, '/r/pods/', await s.currentRevision());
      await s.create('/r/podsx', 'no');
      await s.create('/r/pods/a', 'yes');
      await s.create('/r/services/a', 'no');
      await s.create('/r/pods/b', 'yes');
      await seen.until(2);
      await s.create('/r/pods/marker', 'yes');
      await seen.until(3);
      assert.deepEqual(seen.events.map((e) => e.kv.key), ['/r/pods/a', '/r/pods/b', '/r/pods/marker']);
      seen.watch.cancel();
    });

    test('a cancelled watch receives nothing more', async () => {
      const s = await fresh();
      const cancelled = collect(s, '/r/', await s.currentRevision());
      const other = collect(s, '/r/', await s.currentRevision());
      await s.create('/r/a', '1');
      await cancelled.until(1);
      cancelled.watch.cancel();
      cancelled.watch.cancel();
      await s.create('/r/b', '2');
      await other.until(2);
      await s.create('/r/c', '3');
      await other.until(3);
      assert.deepEqual(cancelled.events.map((e) => e.kv.key), ['/r/a']);
      other.watch.cancel();
    });

    test('compaction forgets history: older lists and watches fail with CompactedError', async () => {
      const s = await fresh();
      const r = await base(s);
      const a = await s.create('/r/a', 'a1');
      await s.create('/r/b', 'b1');
      await s.update('/r/a', 'a2', a.modRevision);
      await s.delete('/r/b');
      await s.create('/r/c', 'c1');
      await s.compact(r(4));
      assert.equal(await s.compactedRevision(), r(4));

      await assert.rejects(s.list('/r/', { revision: r(3) }), (err) => {
        assert.ok(err instanceof CompactedError);
        assert.equal(err.requested, r(3));
        assert.equal(err.compacted, r(4));
        return true;
      });
      const at4 = await s.list('/r/', { revision: r(4) });
      assert.deepEqual(at4.items.map((kv) => [kv.key, kv.value]), [['/r/a', 'a2']]);
      const now = await s.list('/r/');
      assert.deepEqual(now.items.map((kv) => [kv.key, kv.value]), [['/r/a', 'a2'], ['/r/c', 'c1']]);
      assert.equal(await s.get('/r/b'), undefined);

      const failure = await new Promise<Error>((resolve, reject) => {
        s.watch('/r/', r(2), { onEvents: () => reject(new Error('events from a compacted revision')), onError: resolve });
      });
      assert.ok(failure instanceof CompactedError);

      const fromCompacted = collect(s, '/r/', r(4));
      await fromCompacted.until(1);
      assert.deepEqual(fromCompacted.events.map((e) => [e.type, e.kv.key]), [['PUT', '/r/c']]);
      fromCompacted.watch.cancel();

      // The current value of every key survives, and writes go on from where they were.
      const a3 = await s.update('/r/a', 'a3', r(3));
      assert.equal(a3.modRevision, r(6));
    });

    test('concurrent compare-and-swap writers on one key: exactly one wins', async () => {
      const s = await fresh();
      const r = await base(s);
      const first = await s.create('/r/lease', 'v0');
      const attempts = Array.from({ length: 20 }, (_, i) => s.update('/r/lease', `writer-${i}`, first.modRevision));
      const results = await Promise.allSettled(attempts);
      const winners = results.filter((r) => r.status === 'fulfilled');
      assert.equal(winners.length, 1);
      const winner = (winners[0] as PromiseFulfilledResult<Awaited<(typeof attempts)[0]>>).value;
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof ConflictError);
          assert.deepEqual(r.reason.current, winner);
        }
      }
      assert.deepEqual(await s.get('/r/lease'), winner);
      assert.equal(await s.currentRevision(), r(2));
    });

    test('parallel read-modify-write increments that retry on conflict lose nothing', async () => {
      const s = await fresh();
      const r = await base(s);
      await s.create('/r/counter', '0');
      const increment = async () => {
        for (;;) {
          const current = (await s.get('/r/counter'))!;
          try {
            return await s.update('/r/counter', String(Number(current.value) + 1), current.modRevision);
          } catch (err) {
            if (!(err instanceof ConflictError)) throw err;
          }
        }
      };
      const writers = 8;
      const each = 5;
      const done = await Promise.all(Array.from({ length: writers }, async () => {
        const revisions: number[] = [];
        for (let i = 0; i < each; i++) revisions.push((await increment()).modRevision);
        return revisions;
      }));
      assert.equal((await s.get('/r/counter'))?.value, String(writers * each));
      assert.equal(await s.currentRevision(), r(1 + writers * each));
      // Every acknowledged increment has its own revision.
      assert.equal(new Set(done.flat()).size, writers * each);
    });

    test('a watch resumed from the last revision it delivered continues with no gap or repeat', async () => {
      const s = await fresh();
      const from = await s.currentRevision();
      for (let i = 0; i < 3; i++) await s.create(`/r/k${i}`, 'v');
      const first = collect(s, '/r/', from);
      await first.until(3);
      first.watch.cancel();
      const last = first.events[first.events.length - 1].kv.modRevision;
      for (let i = 3; i < 6; i++) await s.create(`/r/k${i}`, 'v');
      const second = collect(s, '/r/', last);
      await second.until(3);
      await s.create('/r/k6', 'v');
      await second.until(4);
      second.watch.cancel();
      assert.deepEqual([...first.events, ...second.events].map((e) => e.kv.key), Array.from({ length: 7 }, (_, i) => `/r/k${i}`));
    });
  });
}

/** `r(n)`: the revision of the n-th write to `store` from now. */
async function base(store: Store): Promise<(n: number) => number> {
  const start = await store.currentRevision();
  return (n) => start + n;
}

/** A watch whose events pile up in `events`; `until(n)` waits for the n-th. */
function collect(store: Store, prefix: string, fromRevision: number) {
  const events: WatchEvent[] = [];
  let failure: Error | undefined;
  const waiters: Array<{ n: number; resolve(): void; reject(err: Error): void }> = [];
  const settle = () => {
    for (const w of [...waiters]) {
      if (failure) w.reject(failure);
      else if (events.length >= w.n) w.resolve();
      else continue;
      waiters.splice(waiters.indexOf(w), 1);
    }
  };
  const watch: Watch = store.watch(prefix, fromRevision, {
    onEvents(batch) {
      events.push(...batch);
      settle();
    },
    onError(err) {
      failure = err;
      settle();
    },
  });
  const until = (n: number) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ n, resolve, reject });
      settle();
    });
  return { events, watch, until };
}
