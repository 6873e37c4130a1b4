import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { yieldToEventLoop } from './event-loop-turn.ts';

/** A step of `ms` of work that never gives the thread up. */
function work(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
}

test('a chain of steps that resolve at once lets the event loop turn once the turn has run for the budget', async () => {
  let turned = false;
  setImmediate(() => (turned = true));
  let steps = 0;
  while (!turned && steps < 500) {
    work(1);
    steps++;
    await yieldToEventLoop(5);
  }
  assert.equal(turned, true, 'the event loop turned before the chain ended');
  assert.ok(steps < 500, `it turned after ${steps} steps`);
});

test('a young turn is not interrupted', async () => {
  await new Promise((r) => setImmediate(r));
  assert.equal(yieldToEventLoop(1000), undefined);
  assert.equal(yieldToEventLoop(1000), undefined);
});
