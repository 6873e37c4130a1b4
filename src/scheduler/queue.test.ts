import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import type { ClusterEvent } from './framework/interface.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue.ts';

function pod(name: string, o: { priority?: number; labels?: Record<string, string>; gates?: string[] } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels },
    spec: { containers: [{ name: 'c' }], priority: o.priority, schedulingGates: o.gates?.map((name) => ({ name })) },
  };
}

function newQueue(clock = new FakeClock()) {
  const queue = new SchedulingQueue({
    clock,
    pluginEvents: new Map([
      ['NodeResourcesFit', [{ resource: 'Node', action: 'Add' }, { resource: 'Pod', action: 'Delete' }]],
      ['NodeAffinity', [{ resource: 'Node', action: 'UpdateNodeLabel' }]],
    ]),
  });
  return { queue, clock };
}

async function popName(queue: SchedulingQueue): Promise<string | undefined> {
  return (await queue.pop())?.podInfo.pod.metadata?.name;
}

test('activeQ pops by priority, then by the time pods entered', async () => {
  const { queue, clock } = newQueue();
  queue.add(pod('low-old', { priority: 0 }));
  await clock.advance(1);
  queue.add(pod('high', { priority: 100 }));
  await clock.advance(1);
  queue.add(pod('low-new', { priority: 0 }));
  assert.deepEqual([await popName(queue), await popName(queue), await popName(queue)], ['high', 'low-old', 'low-new']);
});

test('pop waits for a pod; close ends the wait', async () => {
  const { queue } = newQueue();
  const waiting = queue.pop();
  queue.add(pod('a'));
  assert.equal((await waiting)?.podInfo.pod.metadata?.name, 'a');
  const never = queue.pop();
  queue.close();
  assert.equal(await never, undefined);
});

async function failOnce(queue: SchedulingQueue, name: string, plugins: string[], opts: { duringAttempt?: ClusterEvent } = {}): Promise<QueuedPodInfo> {
  queue.add(pod(name));
  const q = (await queue.pop())!;
  const cycle = queue.schedulingCycle();
  if (opts.duringAttempt) queue.moveAllToActiveOrBackoffQueue(opts.duringAttempt);
  queue.addUnschedulableIfNotPresent({ ...q, unschedulablePlugins: new Set(plugins) }, cycle);
  return q;
}

test('a rejected pod waits as unschedulable until an event its plugins registered', async () => {
  const { queue, clock } = newQueue();
  await failOnce(queue, 'p', ['NodeAffinity']);
  assert.equal(queue.whereIs(pod('p')), 'unschedulable');
  queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' });
  assert.equal(queue.whereIs(pod('p')), 'unschedulable', 'NodeAffinity did not register pod deletes');
  queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'UpdateNodeLabel' });
  assert.equal(queue.whereIs(pod('p')), 'backoff', 'still within its 1 s backoff');
  await clock.advance(1000);
  queue.flushBackoffQCompleted();
  assert.equal(queue.whereIs(pod('p')), 'active');
});

test('an event that could have helped during the attempt sends the pod to backoffQ, not unschedulable', async () => {
  const { queue } = newQueue();
  await failOnce(queue, 'helped', ['NodeAffinity'], { duringAttempt: { resource: 'Node', action: 'UpdateNodeLabel' } });
  assert.equal(queue.whereIs(pod('helped')), 'backoff');
  await failOnce(queue, 'unrelated', ['NodeAffinity'], { duringAttempt: { resource: 'Pod', action: 'Delete' } });
  assert.equal(queue.whereIs(pod('unrelated')), 'unschedulable');
});

test('an error (no rejecting plugin) goes to backoffQ', async () => {
  const { queue } = newQueue();
  await failOnce(queue, 'p', []);
  assert.equal(queue.whereIs(pod('p')), 'backoff');
});

test('backoff doubles per attempt from 1 s up to 10 s', () => {
  const { queue } = newQueue();
  const q = (attempts: number): QueuedPodInfo => ({ podInfo: { pod: pod('x') } as never, timestamp: 0, attempts, unschedulablePlugins: new Set() });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => queue.backoffExpiry(q(n))), [1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('unschedulable pods return after 5 minutes without an event', async () => {
  const { queue, clock } = newQueue();
  queue.run();
  await failOnce(queue, 'p', ['NodeAffinity']);
  await clock.advance(4 * 60_000);
  assert.equal(queue.whereIs(pod('p')), 'unschedulable');
  await clock.advance(90_000);
  assert.equal(queue.whereIs(pod('p')), 'active');
  queue.close();
});

test('an update that changes the spec moves an unschedulable pod; a status-only one does not', async () => {
  const { queue, clock } = newQueue();
  await failOnce(queue, 'p', ['NodeAffinity']);
  const statusOnly: Pod = { ...pod('p'), status: { phase: 'Pending' } };
  queue.update(pod('p'), statusOnly);
  assert.equal(queue.whereIs(pod('p')), 'unschedulable');
  await clock.advance(2000);
  queue.update(statusOnly, pod('p', { labels: { a: 'b' } }));
  assert.equal(queue.whereIs(pod('p')), 'active');
});

test('deleting a pod in flight drops it instead of requeueing', async () => {
  const { queue } = newQueue();
  queue.add(pod('p'));
  const q = (await queue.pop())!;
  queue.delete(pod('p'));
  queue.addUnschedulableIfNotPresent({ ...q, unschedulablePlugins: new Set(['NodeAffinity']) }, queue.schedulingCycle());
  assert.equal(queue.whereIs(pod('p')), undefined);
});

test('gated pods wait until an update removes their scheduling gates', async () => {
  const { queue } = newQueue();
  queue.add(pod('g', { gates: ['example.com/wait'] }));
  queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
  assert.equal(queue.whereIs(pod('g')), 'unschedulable');
  queue.update(pod('g', { gates: ['example.com/wait'] }), pod('g'));
  assert.equal(await popName(queue), 'g');
});

test('nominated pods are found by node', () => {
  const { queue } = newQueue();
  const p: Pod = { ...pod('pre'), status: { nominatedNodeName: 'n1' } };
  queue.add(p);
  assert.deepEqual(queue.nominator.podsForNode('n1').map((x) => x.metadata?.name), ['pre']);
  queue.delete(p);
  assert.deepEqual(queue.nominator.podsForNode('n1'), []);
});
