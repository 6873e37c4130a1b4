import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { CoalescedTimers } from './coalesced-timers.ts';

test('callbacks due in one slot share a single real timer and fire in due order', async () => {
  const clock = new FakeClock(1_000_000);
  const timers = new CoalescedTimers<string>(clock, 100);
  const fired: string[] = [];
  for (let i = 0; i < 50; i++) timers.at(`a${i}`, clock.now() + 10 + i, () => fired.push(`a${i}`));
  timers.at('b', clock.now() + 250, () => fired.push('b'));
  assert.equal(clock.pending(), 1);
  await clock.advance(99);
  assert.equal(fired.length, 0);
  await clock.advance(1);
  assert.equal(fired.length, 50);
  await clock.advance(200);
  assert.equal(fired.at(-1), 'b');
  assert.equal(timers.size, 0);
  assert.equal(clock.pending(), 0);
});

test('scheduling a key again replaces its callback; cancel forgets it', async () => {
  const clock = new FakeClock(0);
  const timers = new CoalescedTimers<string>(clock, 100);
  const fired: string[] = [];
  timers.at('k', 500, () => fired.push('first'));
  timers.at('k', 200, () => fired.push('second'));
  timers.at('gone', 300, () => fired.push('gone'));
  timers.cancel('gone');
  await clock.advance(1000);
  assert.deepEqual(fired, ['second']);
});

test('a callback may reschedule itself and cancel others due in the same slot', async () => {
  const clock = new FakeClock(0);
  const timers = new CoalescedTimers<string>(clock, 100);
  const fired: string[] = [];
  const tick = () => {
    fired.push(`tick@${clock.now()}`);
    if (fired.filter((f) => f.startsWith('tick')).length < 3) timers.at('tick', clock.now() + 1000, tick);
  };
  timers.at('killer', 50, () => timers.cancel('victim'));
  timers.at('tick', 100, tick);
  timers.at('victim', 100, () => fired.push('victim'));
  await clock.advance(5000);
  assert.deepEqual(fired, ['tick@100', 'tick@1100', 'tick@2100']);
});

test('stop cancels everything and ignores later schedules', async () => {
  const clock = new FakeClock(0);
  const timers = new CoalescedTimers<string>(clock);
  let fired = 0;
  timers.at('a', 100, () => fired++);
  timers.stop();
  timers.at('b', 100, () => fired++);
  await clock.advance(1000);
  assert.equal(fired, 0);
  assert.equal(clock.pending(), 0);
});
