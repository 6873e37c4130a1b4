import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite.ts';
import { RevisionLog } from './sqlite-log.ts';
import { runStoreContract } from './store-contract.ts';
import type { KeyValue, WatchEvent } from './store.ts';

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract('sqlite', async () => SqliteStore.open(join(dir, `contract-${n++}`, 'state.db')));

test('data, revision and compaction survive closing and reopening the file', async () => {
  const path = join(dir, 'reopen', 'state.db');
  const first = SqliteStore.open(path);
  const a = await first.create('/registry/a', 'a1');
  await first.update('/registry/a', 'a2', a.modRevision);
  await first.create('/registry/b', 'b1');
  await first.delete('/registry/b');
  await first.compact(2);
  // Not awaited: close must still commit it.
  const last = first.create('/registry/c', 'c1');
  await first.close();
  assert.equal((await last).modRevision, 5);

  const second = SqliteStore.open(path);
  try {
    assert.equal(await second.currentRevision(), 5);
    assert.equal(await second.compactedRevision(), 2);
    assert.deepEqual((await second.list('/registry/')).items, [
      { key: '/registry/a', value: 'a2', createRevision: 1, modRevision: 2 },
      { key: '/registry/c', value: 'c1', createRevision: 5, modRevision: 5 },
    ]);
    assert.equal((await second.create('/registry/d', 'd1')).modRevision, 6);
  } finally {
    await second.close();
  }
});

test('writes asked for together share one commit, each with its own compare-and-swap and answer', { timeout: 20_000 }, async () => {
  const store = SqliteStore.open(join(dir, 'together', 'state.db'));
  try {
    const a = await store.create('/registry/a', 'a0');
    const seen: WatchEvent[] = [];
    const watch = store.watch('/registry/', a.modRevision, { onEvents: (events) => void seen.push(...events) });
    const results = await Promise.allSettled([
      store.update('/registry/a', 'a1', a.modRevision),
      store.update('/registry/a', 'stale', a.modRevision),
      store.create('/registry/b', 'b1'),
      store.create('/registry/b', 'b2'),
      store.delete('/registry/missing'),
    ]);
    const outcome = (r: PromiseSettledResult<KeyValue>) => (r.status === 'fulfilled' ? r.value.modRevision : (r.reason as Error).name);
    assert.deepEqual(results.map(outcome), [2, 'ConflictError', 3, 'KeyExistsError', 'KeyNotFoundError']);
    assert.equal(await store.currentRevision(), 3);
    await waitFor(() => seen.length === 2);
    assert.deepEqual(seen.map((e) => [e.type, e.kv.key, e.kv.value]), [['PUT', '/registry/a', 'a1'], ['PUT', '/registry/b', 'b1']]);
    watch.cancel();
  } finally {
    await store.close();
  }
});

test('a write after close fails as unavailable', async () => {
  const store = SqliteStore.open(join(dir, 'closed', 'state.db'));
  await store.close();
  await assert.rejects(store.create('/registry/a', 'x'), { name: 'StoreUnavailableError' });
});

test('reading the file does not map it into memory (mapped pages count as resident memory)', async () => {
  const path = join(dir, 'unmapped', 'state.db');
  const store = SqliteStore.open(path);
  try {
    // Past SQLite's automatic checkpoint (1,000 pages), so the rows are read from the file, not the WAL.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => store.create(`/registry/pods/ns/p${i}`, 'x'.repeat(4000))));
    assert.equal((await store.list('/registry/pods/')).items.length, 2000);
    assert.equal((await store.get('/registry/pods/ns/p7'))?.value.length, 4000);
    // (The WAL's index, state.db-shm, is always mapped: it is a few pages.)
    const mapped = readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.endsWith(` ${path}`));
    assert.deepEqual(mapped, []);
  } finally {
    await store.close();
  }
});

test('a watch from far back replays the log a span at a time, then goes live with nothing lost or repeated', { timeout: 30_000 }, async () => {
  const store = SqliteStore.open(join(dir, 'replay', 'state.db'));
  try {
    // Three replay spans' worth, half of them under the watched prefix.
    await Promise.all(Array.from({ length: 3000 }, (_, i) => store.create(`/registry/${i % 2 ? 'pods' : 'nodes'}/k${i}`, 'v')));
    const seen: WatchEvent[] = [];
    const watch = store.watch('/registry/pods/', 0, { onEvents: (events) => void seen.push(...events) });
    // One turn of the event loop replays one span, not the whole log: other work runs in between.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(seen.length > 0 && seen.length < 1500, `${seen.length} events after one turn`);
    // Until the replay is over a bookmark at the newest revision would skip the rest of it.
    assert.equal(watch.live, false);
    const live = store.create('/registry/pods/live', 'v');
    await live;
    await waitFor(() => seen.length === 1501);
    assert.equal(watch.live, true);
    const revisions = seen.map((e) => e.kv.modRevision);
    assert.deepEqual(revisions, [...revisions].sort((a, b) => a - b));
    assert.equal(new Set(revisions).size, 1501);
    assert.equal(seen.at(-1)!.kv.key, '/registry/pods/live');
    watch.cancel();
  } finally {
    await store.close();
  }
});

test('a watch whose replay is overtaken by a compaction ends with CompactedError', { timeout: 30_000 }, async () => {
  const path = join(dir, 'replay-compacted', 'state.db');
  const store = SqliteStore.open(path);
  // A second connection compacts the file between two spans of the replay, as the commit thread could.
  const other = RevisionLog.open(path);
  try {
    let last = await store.create('/registry/a', 'v0');
    await Promise.all(Array.from({ length: 2500 }, (_, i) => store.create(`/registry/b${i}`, 'v')));
    last = await store.update('/registry/a', 'v1', last.modRevision);
    let error: Error | undefined;
    const seen: WatchEvent[] = [];
    store.watch('/registry/', 0, { onEvents: (events) => void seen.push(...events), onError: (err) => void (error = err) });
    other.compactSpan(0, last.modRevision);
    await waitFor(() => error !== undefined);
    assert.equal(error!.name, 'CompactedError');
    assert.ok(seen.length <= 1000, `${seen.length} events replayed before the error`);
  } finally {
    other.close();
    await store.close();
  }
});
