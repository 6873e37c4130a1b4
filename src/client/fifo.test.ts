import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fifo } from './fifo.ts';

test('items come out in the order they went in, across compactions and interleaved pushes', () => {
  const fifo = new Fifo<number>();
  const expected: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 1000; i++) fifo.push(next), expected.push(next++);
    for (let i = 0; i < 700; i++) assert.equal(fifo.shift(), expected.shift());
    assert.equal(fifo.length, expected.length);
  }
  assert.deepEqual(fifo.drain(), expected);
  assert.equal(fifo.length, 0);
  assert.equal(fifo.shift(), undefined);
  fifo.push(7);
  assert.equal(fifo.shift(), 7);
});

test('a queue of 200,000 keys drained with keys added meanwhile hands each out once, in order', () => {
  const fifo = new Fifo<string>();
  for (let i = 0; i < 200_000; i++) fifo.push(`ns/pod-${i}`);
  let count = 0;
  let last = '';
  for (let key = fifo.shift(); key !== undefined; key = fifo.shift()) {
    last = key;
    if (++count % 3 === 0 && count < 150_000) fifo.push(`again-${count}`);
  }
  assert.equal(count, 200_000 + 49_999);
  assert.equal(last, 'again-149997');
});
