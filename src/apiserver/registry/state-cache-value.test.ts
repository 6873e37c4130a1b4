import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteStore } from '../../storage/sqlite.ts';
import { StateCache } from '../../storage/state-cache.ts';
import { stateCacheValue } from './state-cache-value.ts';

test("a write's first attempt reads its key from the state cache without pinning a list snapshot", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-state-cache-value-'));
  const store = SqliteStore.open(join(dir, 'state.db'));
  const cache = new StateCache(store, store);
  try {
    await cache.start();
    for (const name of ['pod-9', 'pod-90', 'pod-91']) await store.create(`/registry/pods/ns/${name}`, `{"n":"${name}"}`);
    assert.equal(await cache.waitFor(), true);
    const cached = stateCacheValue(cache);
    assert.equal(cached('/registry/pods/ns/pod-9')?.value, '{"n":"pod-9"}');
    assert.equal(cached('/registry/pods/ns/pod-1'), undefined);
    // Each pinned snapshot is told of every later write under its prefix for 30 s: one per
    // write of a pod whose name prefixes others' made hundreds, and every write slow.
    assert.equal(cache.heldSnapshots, 0);
  } finally {
    cache.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
