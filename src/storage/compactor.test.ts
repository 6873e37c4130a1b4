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

test('each tick compacts all but the last keepRevisions revisions', async () => {
  const store = SqliteStore.open(join(dir, 'a', 'state.db'));
  const clock = manualTimer();
  const compactor = startCompactor(store, { keepRevisions: 3, timer: clock.timer });
  assert.equal(clock.interval(), 5 * 60_000);

  let kv = await store.create('/registry/a', '0');
  for (let i = 1; i < 10; i++) kv = await store.update('/registry/a', `${i}`, kv.modRevision);
  clock.fire();
  await compactedTo(store, 7);
  await assert.rejects(store.list('/registry/', { revision: 6 }), CompactedError);
  assert.equal((await store.list('/registry/', { revision: 7 })).items[0].value, '6');
  assert.equal((await store.get('/registry/a'))?.value, '9');

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
