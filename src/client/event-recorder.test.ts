import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1.js';
import { EventRecorder } from './event-recorder.ts';
import { FakeApi } from './fake-api.test-support.ts';
import { FakeClock } from './fake-clock.test-support.ts';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'ns', uid: 'u1', resourceVersion: '9' } };
const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u2' } };
const events = (api: FakeApi) => [...api.objects.values()] as Event[];

describe('EventRecorder', () => {
  test('creates an Event about the object, named <name>.<hex nanoseconds>, with its source', async () => {
    const api = new FakeApi();
    const clock = new FakeClock(1_700_000_000_000);
    const rec = new EventRecorder(api, { component: 'replicaset-controller', clock });
    await rec.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1');
    const [e] = events(api);
    assert.equal(e.metadata?.name, `web-1.${(1_700_000_000_000n * 1_000_000n).toString(16)}`);
    assert.equal(e.metadata?.namespace, 'ns');
    assert.deepEqual(e.involvedObject, { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'ns', uid: 'u1', resourceVersion: '9' });
    assert.deepEqual(e.source, { component: 'replicaset-controller' });
    assert.equal(e.count, 1);
    assert.equal(e.type, 'Normal');
    assert.equal(e.firstTimestamp, '2023-11-14T22:13:20Z');
  });

  test('a repeat patches count and lastTimestamp of the first Event instead of creating another', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const rec = new EventRecorder(api, { component: 'c', clock });
    await rec.event(pod, 'Warning', 'FailedCreate', 'quota exceeded');
    await clock.advance(5_000);
    await Promise.all([rec.event(pod, 'Warning', 'FailedCreate', 'quota exceeded'), rec.event(pod, 'Warning', 'FailedCreate', 'quota exceeded')]);
    await rec.event(pod, 'Warning', 'FailedCreate', 'another message');
    const all = events(api);
    assert.equal(all.length, 2);
    const first = all.find((e) => e.message === 'quota exceeded')!;
    assert.equal(first.count, 3);
    assert.notEqual(first.lastTimestamp, first.firstTimestamp);
    assert.deepEqual(api.calls.filter((c) => c.startsWith('patch')).length, 2);
  });

  test('a cluster-scoped object gets its events in the default namespace', async () => {
    const api = new FakeApi();
    await new EventRecorder(api, { component: 'node-controller', clock: new FakeClock() }).event(node, 'Normal', 'NodeReady', 'ready');
    assert.equal(events(api)[0].metadata?.namespace, 'default');
  });

  test('a hot loop is cut off after the burst; one more event is let through per refill interval', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const rec = new EventRecorder(api, { component: 'c', clock, burst: 3, refillIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) await rec.event(pod, 'Normal', 'Tick', `tick ${i}`);
    assert.equal(events(api).length, 3);
    await rec.event(node, 'Normal', 'Tick', 'other objects have their own budget');
    assert.equal(events(api).length, 4);
    await clock.advance(60_000);
    await rec.event(pod, 'Normal', 'Tick', 'tick 10');
    await rec.event(pod, 'Normal', 'Tick', 'tick 11');
    assert.deepEqual(events(api).map((e) => e.message).filter((m) => m?.startsWith('tick')), ['tick 0', 'tick 1', 'tick 2', 'tick 10']);
  });

  test('a full queue drops new events before the spam filter, so they spend none of the budget', async () => {
    const api = new FakeApi();
    const logs: string[] = [];
    const rec = new EventRecorder(api, { component: 'c', clock: new FakeClock(), burst: 3, maxQueued: 1, log: (l) => logs.push(l) });
    // The first is being written, the second waits, the third finds the queue full.
    await Promise.all([rec.event(pod, 'Normal', 'Tick', 'one'), rec.event(pod, 'Normal', 'Tick', 'two'), rec.event(pod, 'Normal', 'Tick', 'three')]);
    await rec.event(pod, 'Normal', 'Tick', 'four');
    assert.deepEqual(events(api).map((e) => e.message), ['one', 'two', 'four']);
    assert.match(logs.join('\n'), /1 events waiting to be written; dropping new ones/);
  });

  test('a failed write is logged, never thrown', async () => {
    const api = new FakeApi();
    api.down = true;
    const logs: string[] = [];
    await new EventRecorder(api, { component: 'c', clock: new FakeClock(), log: (l) => logs.push(l) }).event(pod, 'Normal', 'X', 'y');
    assert.match(logs[0], /event X on Pod ns\/web-1: connect ECONNREFUSED/);
  });

  test('an object without kind is a caller bug and throws', () => {
    const rec = new EventRecorder(new FakeApi(), { component: 'c', clock: new FakeClock() });
    assert.throws(() => rec.event({ metadata: { name: 'x' } }, 'Normal', 'X', 'y'), /kind, apiVersion and metadata.name/);
  });
});
