import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { EventHandler } from '../client/informer.ts';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { SchedulerCache } from './cache.ts';
import { addEventHandlers } from './event-handlers.ts';
import { SchedulingQueue } from './queue.ts';

function setup() {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock });
  const queue = new SchedulingQueue({ clock });
  let pods: EventHandler<Pod> = {};
  let nodes: EventHandler<Node> = {};
  const removed: unknown[] = [];
  const remove = addEventHandlers({
    podInformer: { addEventHandler: (h) => void (pods = h), removeEventHandler: (h) => void removed.push(h) },
    nodeInformer: { addEventHandler: (h) => void (nodes = h), removeEventHandler: (h) => void removed.push(h) },
    cache,
    queue,
    isResponsibleFor: (name) => name === 'default-scheduler',
  });
  return { cache, queue, pods, nodes, remove, removed };
}

const pod = (name: string, o: { nodeName?: string; schedulerName?: string; deleting?: boolean } = {}): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, deletionTimestamp: o.deleting ? '2026-01-01T00:00:00Z' : undefined },
  spec: { schedulerName: o.schedulerName ?? 'default-scheduler', nodeName: o.nodeName, containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] },
});

test('pending pods of our profiles are queued; others, and terminating ones, are not', () => {
  const { queue, pods } = setup();
  pods.onAdd!(pod('mine'));
  pods.onAdd!(pod('theirs', { schedulerName: 'other' }));
  pods.onAdd!(pod('leaving', { deleting: true }));
  assert.deepEqual(queue.pendingPods(), { active: 1, backoff: 0, unschedulable: 0 });
  pods.onUpdate!(pod('mine'), pod('mine', { deleting: true }));
  assert.equal(queue.whereIs(pod('mine')), undefined);
});

test('a pod bound by anyone leaves the queue and counts on its node; deleting it frees the room', () => {
  const { cache, queue, pods, nodes } = setup();
  nodes.onAdd!({ metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', pods: '10' } } });
  pods.onAdd!(pod('p'));
  pods.onUpdate!(pod('p'), pod('p', { nodeName: 'n1' }));
  assert.equal(queue.whereIs(pod('p')), undefined);
  assert.equal(cache.podCount(), 1);
  pods.onDelete!(pod('p', { nodeName: 'n1' }));
  assert.equal(cache.podCount(), 0);
});

test('a node heartbeat does not move unschedulable pods; a new node does', async () => {
  const { queue, pods, nodes } = setup();
  const node: Node = { metadata: { name: 'n1' }, status: { allocatable: { cpu: '1' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'a' }] } };
  nodes.onAdd!(node);
  pods.onAdd!(pod('big'));
  const q = (await queue.pop())!;
  queue.addUnschedulableIfNotPresent({ ...q, unschedulablePlugins: new Set(['NodeResourcesFit']) }, queue.schedulingCycle());
  nodes.onUpdate!(node, { ...node, status: { ...node.status, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'b' }] } });
  assert.equal(queue.whereIs(pod('big')), 'unschedulable');
  nodes.onAdd!({ metadata: { name: 'n2' }, status: { allocatable: { cpu: '8' } } });
  assert.notEqual(queue.whereIs(pod('big')), 'unschedulable');
});

test('the remover it returns unregisters exactly the handlers it registered', () => {
  const { pods, nodes, remove, removed } = setup();
  assert.equal(removed.length, 0);
  remove();
  assert.equal(removed.length, 2);
  assert.ok(removed.includes(pods) && removed.includes(nodes));
});
