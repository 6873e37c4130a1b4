import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { CrashBackoff, formatBackoff } from './crash-backoff.ts';

describe('CrashBackoff', () => {
  test('the first restart is immediate, then 10 s doubling to 5 minutes', () => {
    const clock = new FakeClock(0);
    const backoff = new CrashBackoff(clock);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const finishedAt = clock.now();
      const { remainingMs, delayMs } = backoff.remaining('u/c', finishedAt);
      assert.equal(remainingMs, delayMs);
      delays.push(delayMs);
      backoff.next('u/c', finishedAt);
    }
    assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  test('time passing shortens what remains', async () => {
    const clock = new FakeClock(0);
    const backoff = new CrashBackoff(clock);
    backoff.next('u/c', 0);
    await clock.advance(4_000);
    assert.deepEqual(backoff.remaining('u/c', 1_000), { remainingMs: 7_000, delayMs: 10_000 });
    await clock.advance(10_000);
    assert.equal(backoff.remaining('u/c', 1_000).remainingMs, 0);
  });

  test('a container that ran past 10 minutes starts over at 10 s', async () => {
    const clock = new FakeClock(0);
    const backoff = new CrashBackoff(clock);
    backoff.next('u/c', 0);
    backoff.next('u/c', 0);
    assert.equal(backoff.remaining('u/c', 1).delayMs, 20_000);
    await clock.advance(11 * 60_000);
    assert.deepEqual(backoff.remaining('u/c', clock.now()), { remainingMs: 0, delayMs: 0 });
    backoff.next('u/c', clock.now());
    assert.equal(backoff.remaining('u/c', clock.now()).delayMs, 10_000);
  });

  test('keys are separate and a pod is forgotten as a whole', () => {
    const clock = new FakeClock(0);
    const backoff = new CrashBackoff(clock);
    backoff.next('u1/a', 0);
    backoff.next('u2/a', 0);
    backoff.forgetPrefix('u1/');
    assert.equal(backoff.remaining('u1/a', 0).delayMs, 0);
    assert.equal(backoff.remaining('u2/a', 0).delayMs, 10_000);
  });

  test('formatBackoff prints as upstream', () => {
    assert.equal(formatBackoff(10_000), '10s');
    assert.equal(formatBackoff(160_000), '2m40s');
    assert.equal(formatBackoff(300_000), '5m0s');
  });
});
