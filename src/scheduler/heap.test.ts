import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedHeap } from './heap.ts';

test('KeyedHeap pops in order and keeps one place per key across updates and deletes', () => {
  const heap = new KeyedHeap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
  for (const [k, v] of [['a', 5], ['b', 3], ['c', 8], ['d', 1], ['e', 7]] as const) heap.push({ k, v });
  heap.push({ k: 'c', v: 0 });
  assert.equal(heap.delete('b')?.v, 3);
  assert.equal(heap.delete('zzz'), undefined);
  assert.equal(heap.size, 4);
  assert.equal(heap.get('c')?.v, 0);
  const order: string[] = [];
  for (let x = heap.pop(); x; x = heap.pop()) order.push(x.k);
  assert.deepEqual(order, ['c', 'd', 'a', 'e']);
  assert.equal(heap.has('a'), false);
});
