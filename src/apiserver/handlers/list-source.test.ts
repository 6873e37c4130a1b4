import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteStore } from '../../storage/sqlite.ts';
import { StateCache } from '../../storage/state-cache.ts';
import type { ListOptions } from '../../storage/store.ts';
import { planList } from './list-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-list-source-'));
const store = SqliteStore.open(join(dir, 'state.db'));
const storeLists: ListOptions[] = [];
const counting = {
  list: (prefix: string, options?: ListOptions) => {
    storeLists.push(options ?? {});
    return store.list(prefix, options);
  },
  currentRevision: () => store.currentRevision(),
};
const cache = new StateCache(counting, store);
after(async () => {
  cache.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('lists are answered from the cache unless they ask for history it does not keep', async () => {
  await cache.start();
  const first = await store.create('/registry/pods/d/a', '{}');
  await store.create('/registry/pods/d/b', '{}');
  await store.create('/registry/pods/d/c', '{}');
  assert.equal(await cache.waitFor(), true);
  const current = await store.currentRevision();

  const cases: [string, { resourceVersion: string; pinnedRevision: number; limit: number }, { fromStore: boolean; items: number; revision: number }][] = [
    ['latest', { resourceVersion: '', pinnedRevision: 0, limit: 0 }, { fromStore: false, items: 3, revision: current }],
    ['latest, one page', { resourceVersion: '', pinnedRevision: 0, limit: 2 }, { fromStore: false, items: 2, revision: current }],
    ['any state', { resourceVersion: '0', pinnedRevision: 0, limit: 0 }, { fromStore: false, items: 3, revision: current }],
    ['any state, one page', { resourceVersion: '0', pinnedRevision: 0, limit: 1 }, { fromStore: false, items: 1, revision: current }],
    ['not older than a revision the cache has', { resourceVersion: String(current), pinnedRevision: 0, limit: 0 }, { fromStore: false, items: 3, revision: current }],
    ['exactly the current revision', { resourceVersion: String(current), pinnedRevision: current, limit: 0 }, { fromStore: false, items: 3, revision: current }],
    ['exactly an older revision', { resourceVersion: String(first.modRevision), pinnedRevision: first.modRevision, limit: 0 }, { fromStore: true, items: 1, revision: first.modRevision }],
  ];
  for (const [name, request, want] of cases) {
    storeLists.length = 0;
    const plan = await planList(counting, cache, request);
    const page = await plan.source.list('/registry/pods/', { revision: plan.revision, limit: plan.limit || undefined });
    assert.equal(storeLists.length > 0, want.fromStore, `${name}: read the store?`);
    assert.equal(page.items.length, want.items, `${name}: items`);
    assert.equal(page.revision, want.revision, `${name}: revision`);
  }
});
