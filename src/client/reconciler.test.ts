import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { FakeClock, settle } from './fake-clock.test-support.ts';
import { runReconciler, TerminalError } from './reconciler.ts';
import { WorkQueue } from './work-queue.ts';

function setup() {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const logs: string[] = [];
  return { clock, queue, logs, log: (l: string) => logs.push(l) };
}

describe('runReconciler', () => {
  test('reconciles that resolve at once do not hold the thread until the queue is drained', async () => {
    const { queue, log } = setup();
    const controller = new AbortController();
    let reconciled = 0;
    let reconciledWhenTurned = -1;
    for (let i = 0; i < 400; i++) queue.add(`ns/k${i}`);
    setImmediate(() => (reconciledWhenTurned = reconciled));
    const done = runReconciler(queue, async () => {
      // A reconcile that finds nothing to write: a little work, no I/O.
      const t0 = performance.now();
      while (performance.now() - t0 < 0.25);
      reconciled++;
    }, { log, workers: 2, signal: controller.signal });
    while (reconciled < 400) await new Promise((r) => setImmediate(r));
    controller.abort();
    await done;
    assert.ok(reconciledWhenTurned >= 0 && reconciledWhenTurned < 400, `the event loop turned after ${reconciledWhenTurned} of 400 reconciles`);
  });

  test('an aborted signal shuts the queue down and the workers return', async () => {
    const { queue, log } = setup();
    const controller = new AbortController();
    const seen: string[] = [];
    const done = runReconciler(queue, async (key) => {
      seen.push(key);
    }, { log, workers: 3, signal: controller.signal });
    queue.add('ns/a');
    await settle();
    controller.abort();
    await done;
    assert.deepEqual(seen, ['ns/a']);
    queue.add('ns/b');
    await settle();
    assert.deepEqual(seen, ['ns/a'], 'nothing runs after the abort');
  });

  test('a failing key is retried with backoff until it succeeds, then its backoff is forgotten', async () => {
    const { clock, queue, log, logs } = setup();
    const calls: string[] = [];
    let failuresLeft = 3;
    const done = runReconciler(queue, async (key) => {
      calls.push(key);
      if (failuresLeft-- > 0) throw new Error('apiserver said no');
    }, { log });
    queue.add('ns/a');
    await settle();
    assert.equal(calls.length, 1);
    await clock.advance(4);
    assert.equal(calls.length, 1, 'first retry waits 5 ms');
    await clock.advance(1);
    assert.equal(calls.length, 2);
    await clock.advance(10);
    assert.equal(calls.length, 3);
    await clock.advance(20);
    assert.equal(calls.length, 4);
    assert.equal(queue.numRequeues('ns/a'), 0);
    assert.equal(logs.length, 3);
    await clock.advance(10_000);
    assert.equal(calls.length, 4, 'no retry after success');
    queue.shutDown();
    await done;
  });

  test('a TerminalError is logged and not retried', async () => {
    const { clock, queue, log, logs } = setup();
    let calls = 0;
    const done = runReconciler(queue, async () => {
      calls++;
      throw new TerminalError('spec can never be valid');
    }, { log, name: 'test' });
    queue.add('k');
    await clock.advance(60_000);
    assert.equal(calls, 1);
    assert.match(logs[0], /test: k: giving up: spec can never be valid/);
    assert.equal(queue.numRequeues('k'), 0);
    queue.shutDown();
    await done;
  });

  test('requeueAfterMs reconciles the key again after that long', async () => {
    const { clock, queue, log } = setup();
    let calls = 0;
    const done = runReconciler(queue, async () => {
      calls++;
      return calls === 1 ? { requeueAfterMs: 30_000 } : {};
    }, { log });
    queue.add('k');
    await clock.advance(29_999);
    assert.equal(calls, 1);
    await clock.advance(1);
    assert.equal(calls, 2);
    queue.shutDown();
    await done;
  });

  test('requeue reconciles again with a growing backoff', async () => {
    const { clock, queue, log } = setup();
    let calls = 0;
    const done = runReconciler(queue, async () => {
      calls++;
      return { requeue: calls < 3 };
    }, { log });
    queue.add('k');
    await clock.advance(5);
    assert.equal(calls, 2);
    await clock.advance(9);
    assert.equal(calls, 2);
    await clock.advance(1);
    assert.equal(calls, 3);
    queue.shutDown();
    await done;
  });

  test('several workers run different keys at once but never one key twice at once', async () => {
    const { queue, log } = setup();
    const active = new Set<string>();
    let overlap = false;
    let concurrent = 0;
    let maxConcurrent = 0;
    const seen: string[] = [];
    const releases: (() => void)[] = [];
    const done = runReconciler(queue, async (key) => {
      if (active.has(key)) overlap = true;
      active.add(key);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      seen.push(key);
      await new Promise<void>((r) => releases.push(r));
      concurrent--;
      active.delete(key);
    }, { workers: 3, log });
    queue.add('a');
    queue.add('b');
    await settle();
    queue.add('a');
    await settle();
    assert.deepEqual(seen, ['a', 'b']);
    for (const r of releases.splice(0)) r();
    await settle();
    assert.deepEqual(seen, ['a', 'b', 'a']);
    for (const r of releases.splice(0)) r();
    await settle();
    assert.equal(overlap, false);
    assert.equal(maxConcurrent, 2);
    queue.shutDown();
    await done;
  });
});
