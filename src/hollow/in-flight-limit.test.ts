import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightLimit } from './in-flight-limit.ts';

test('never more than the limit in flight; all calls run, in order; idle resolves after the last', async () => {
  const limit = new InFlightLimit(3);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const releases: (() => void)[] = [];
  const calls = Array.from({ length: 10 }, (_, i) =>
    limit.run(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      return i;
    }),
  );
  let idle = false;
  void limit.idle().then(() => (idle = true));
  while (order.length < 10 || releases.length > 0) {
    await new Promise((r) => setImmediate(r));
    releases.shift()?.();
  }
  assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(peak, 3);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, true);
  assert.equal(limit.pending, 0);
});

test('a failing call frees its slot', async () => {
  const limit = new InFlightLimit(1);
  await assert.rejects(limit.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await limit.run(async () => 'next'), 'next');
});

test('dropWaiting rejects the calls still waiting; the running one finishes and the limit stays usable', async () => {
  const limit = new InFlightLimit(1);
  let release = () => {};
  const running = limit.run(() => new Promise<string>((resolve) => (release = () => resolve('ran'))));
  let started = false;
  const waiting = limit.run(async () => {
    started = true;
  });
  limit.dropWaiting(new Error('stopping'));
  await assert.rejects(waiting, /stopping/);
  release();
  assert.equal(await running, 'ran');
  assert.equal(started, false);
  await limit.idle();
  assert.equal(await limit.run(async () => 'after'), 'after');
});
