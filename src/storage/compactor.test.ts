import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCompactor, type IntervalTimer } from './compactor.ts';
import { SqliteStore } from './sqlite.ts';
import { CompactedError } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-compactor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A timer that fires only when the test says so. */
function manualTimer() {
  let tick: (() => void) | undefined;
  let interval = 0;
  const timer: IntervalTimer = {
    setInterval(fn, ms) {
      tick = fn;
      interval = ms;
      return 1;
    },
    clearInterval() {
      tick = undefined;
    },
  };
  return { timer, interval: () => interval, fire: () => tick?.(), stopped: () => tick === undefined };
}

/** Resolves once `store` reports `revision` compacted (compaction runs asynchronously). */
async function compactedTo(store: SqliteStore, revision: number): Promise<void> {
  while ((await store.compactedRevision()) !== revision) await new Promise((r) => setImmediate(r));
}

test('each tick compacts all but the last keepRevisions revisions and those written since the tick before', async () => {
  const store = SqliteStore.open(join(dir, 'a', 'state.db'));
  const clock = manualTimer();
  const compactor = startCompactor(store, { keepRevisions: 3, timer: clock.timer });
  assert.equal(clock.interval(), 5 * 60_000);

  let kv = await store.create('/registry/a', '0');
  for (let i = 1; i < 10; i++) kv = await store.update('/registry/a', `${i}`, kv.modRevision);
  // The first tick only notes the revision (10): a list started before it may still page.
  clock.fire();
  await new Promise((r) => setImmediate(r));
  for (let i = 10; i < 12; i++) kv = await store.update('/registry/a', `${i}`, kv.modRevision);
  assert.equal((await store.list('/registry/', { revision: 1 })).items[0].value, '0');
  // Revision 12 now: keepRevisions alone would compact to 9; the previous tick saw 10, so 9 it is.
  clock.fire();
  await compactedTo(store, 9);
  for (let i = 12; i < 20; i++) kv = await store.update('/registry/a', `${i}`, kv.modRevision);
  // Revision 20: the previous tick saw 12, and 20 - 3 = 17, so 12.
  clock.fire();
  await compactedTo(store, 12);
  await assert.rejects(store.list('/registry/', { revision: 11 }), CompactedError);
  assert.equal((await store.list('/registry/', { revision: 12 })).items[0].value, '11');
  assert.equal((await store.get('/registry/a'))?.value, '19');

  compactor.stop();
  assert.ok(clock.stopped());
  await store.close();
});

test('a failed compaction is reported, not thrown', async () => {
  const store = SqliteStore.open(join(dir, 'b', 'state.db'));
  const clock = manualTimer();
  const errors: unknown[] = [];
  const compactor = startCompactor(store, { timer: clock.timer, onError: (err) => errors.push(err) });
  await store.close();
  clock.fire();
  while (errors.length === 0) await new Promise((r) => setImmediate(r));
  assert.equal((errors[0] as Error).name, 'StoreUnavailableError');
  compactor.stop();
});
