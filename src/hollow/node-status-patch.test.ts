import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hollowNodeStatus } from './hollow-node.ts';
import { nodeStatusPatch } from './node-status-patch.ts';

const SHAPE = { cpu: '4', memory: '16Gi', pods: 110 };
const NOW = Date.parse('2026-11-26T12:00:00Z');

test('a post that only moves heartbeats sends the conditions heartbeat times, by type, as a kubelet does', () => {
  const posted = hollowNodeStatus('h', 0, SHAPE, NOW, undefined);
  const { type, patch } = nodeStatusPatch(posted, hollowNodeStatus('h', 0, SHAPE, NOW + 60_000, posted));
  assert.equal(type, 'strategic');
  const types = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
  assert.deepEqual(patch, {
    status: {
      '$setElementOrder/conditions': types.map((t) => ({ type: t })),
      conditions: types.map((t) => ({ type: t, lastHeartbeatTime: '2026-11-26T12:01:00Z' })),
    },
  });
});

test('the first post, or one where more than heartbeats changed, sends the whole status', () => {
  const next = hollowNodeStatus('h', 0, SHAPE, NOW, undefined);
  assert.deepEqual(nodeStatusPatch(undefined, next), { type: 'merge', patch: { status: next } });
  const posted = hollowNodeStatus('h', 0, { ...SHAPE, pods: 10 }, NOW, undefined);
  assert.deepEqual(nodeStatusPatch(posted, next), { type: 'merge', patch: { status: next } });
  const reordered = { ...posted, capacity: next.capacity, allocatable: next.allocatable, conditions: [...next.conditions!].reverse() };
  assert.equal(nodeStatusPatch(reordered, next).type, 'merge');
});
