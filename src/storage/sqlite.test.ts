import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite.ts';
import { runStoreContract } from './store-contract.ts';

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

test('a write after close fails as unavailable', async () => {
  const store = SqliteStore.open(join(dir, 'closed', 'state.db'));
  await store.close();
  await assert.rejects(store.create('/registry/a', 'x'), { name: 'StoreUnavailableError' });
});
