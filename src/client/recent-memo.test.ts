import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentMemo } from './recent-memo.ts';

test('the memo keeps the last size to 2×size entries, then forgets the oldest', () => {
  const memo = new RecentMemo<number, string>(2);
  for (let i = 0; i < 5; i++) memo.set(i, `v${i}`);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => memo.get(i)), [undefined, undefined, 'v2', 'v3', 'v4']);
  memo.set(5, 'v5');
  memo.set(6, 'v6');
  assert.deepEqual([3, 4, 5, 6].map((i) => memo.get(i)), [undefined, 'v4', 'v5', 'v6']);
});
