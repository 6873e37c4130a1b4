import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, settle } from './fake-clock.test-support.ts';
import { ItemExponentialFailureRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './work-queue.ts';

/** Resolves to the key `get` hands out, or 'pending' if it would wait. */
async function poll(q: WorkQueue): Promise<string | undefined> {
  return Promise.race([q.get(), new Promise<string>((r) => setImmediate(() => r('pending')))]);
}

describe('WorkQueue', () => {
  test('a key added many times is queued once, in first-added order', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  test('a key being processed is not handed out again until done, then once', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    await q.get();
    q.add('a');
    q.add('a');
    let got: string | undefined;
    const next = q.get().then((k) => (got = k));
    await settle();
    assert.equal(got, undefined, 'not handed out while processing');
    q.done('a');
    await next;
    assert.equal(got, 'a');
    q.done('a');
    assert.equal(await poll(q), 'pending', 'the two adds made one more run, not two');
  });

  test('a key added while processing comes back after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('a');
    await q.get();
    q.add('a');
    q.done('a');
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'a');
  });

  test('a waiting get receives the next added key', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const next = q.get();
    q.add('x');
    assert.equal(await next, 'x');
  });

  test('addAfter adds the key when its time comes; the earliest request wins', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    await clock.advance(49);
    assert.equal(q.len(), 0);
    await clock.advance(1);
    assert.equal(q.len(), 1);
    await clock.advance(1000);
    assert.equal(q.len(), 1);
  });

  test('addRateLimited backs off 5 ms, 10 ms, 20 ms ... per key until forget', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const readyAfter = async (key: string): Promise<number> => {
      q.addRateLimited(key);
      let waited = 0;
      while (q.len() === 0) {
        await clock.advance(1);
        waited++;
      }
      await q.get();
      q.done(key);
      return waited;
    };
    assert.deepEqual([await readyAfter('a'), await readyAfter('a'), await readyAfter('a')], [5, 10, 20]);
    assert.equal(q.numRequeues('a'), 3);
    assert.equal(await readyAfter('b'), 5);
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    assert.equal(await readyAfter('a'), 5);
  });

  test('the default limiter caps the backoff at 1000 s', () => {
    const limiter = new ItemExponentialFailureRateLimiter();
    let last = 0;
    for (let i = 0; i < 40; i++) last = limiter.when('k');
    assert.equal(last, 1_000_000);
  });

  test('shutDown ends waiting and later gets with undefined and drops delayed adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const waiting = q.get();
    q.addAfter('later', 10);
    q.shutDown();
    assert.equal(await waiting, undefined);
    q.add('a');
    assert.equal(await q.get(), undefined);
    await clock.advance(100);
    assert.equal(q.len(), 0);
    assert.equal(clock.pending(), 0);
  });
});
