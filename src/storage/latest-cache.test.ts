import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestCache } from './latest-cache.ts';

const kv = (key: string, modRevision: number) => ({ key, value: `v${modRevision}`, createRevision: 1, modRevision });

test('a write refreshes or forgets a cached key and leaves uncached keys out', () => {
  const cache = new LatestCache(10);
  cache.remember(kv('/a', 1));
  cache.written('/a', kv('/a', 2));
  cache.written('/b', kv('/b', 3));
  assert.deepEqual(cache.get('/a'), kv('/a', 2));
  assert.equal(cache.get('/b'), undefined, 'written but never read: not cached');
  cache.written('/a', undefined);
  assert.equal(cache.get('/a'), undefined, 'deleted');
});

test('beyond its capacity the oldest remembered key goes first', () => {
  const cache = new LatestCache(2);
  cache.remember(kv('/a', 1));
  cache.remember(kv('/b', 2));
  cache.remember(kv('/a', 3));
  cache.remember(kv('/c', 4));
  assert.deepEqual([cache.get('/a')?.modRevision, cache.get('/b'), cache.get('/c')?.modRevision], [undefined, kv('/b', 2), 4]);
});
