import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { assignedPodUpdateEvent, nodeUpdateEvents } from './cluster-events.ts';

const base: Node = {
  metadata: { name: 'n', labels: { a: '1' } },
  spec: {},
  status: { allocatable: { cpu: '4' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }] },
};

test('node updates become the events plugins register', () => {
  const cases: { name: string; change: (n: Node) => void; want: string[] }[] = [
    { name: 'heartbeat only', change: (n) => (n.status!.conditions![0].lastHeartbeatTime = '2026-01-01T00:00:10Z'), want: [] },
    { name: 'allocatable', change: (n) => (n.status!.allocatable = { cpu: '8' }), want: ['UpdateNodeAllocatable'] },
    { name: 'label', change: (n) => (n.metadata!.labels = { a: '2' }), want: ['UpdateNodeLabel'] },
    { name: 'taint', change: (n) => (n.spec!.taints = [{ key: 'k', effect: 'NoSchedule' }]), want: ['UpdateNodeTaint'] },
    { name: 'cordon', change: (n) => (n.spec!.unschedulable = true), want: ['UpdateNodeTaint'] },
    { name: 'not ready', change: (n) => (n.status!.conditions![0].status = 'False'), want: ['UpdateNodeCondition'] },
  ];
  for (const c of cases) {
    const updated = structuredClone(base);
    c.change(updated);
    assert.deepEqual(nodeUpdateEvents(base, updated).map((e) => e.action), c.want, c.name);
  }
});

test('assigned pod updates: finishing frees room, relabelling may matter to affinity', () => {
  const pod: Pod = { metadata: { name: 'p', labels: { app: 'a' } }, spec: { nodeName: 'n', containers: [] }, status: { phase: 'Running' } };
  assert.deepEqual(assignedPodUpdateEvent(pod, { ...pod, status: { phase: 'Succeeded' } }), { resource: 'Pod', action: 'Delete' });
  assert.deepEqual(assignedPodUpdateEvent(pod, { ...pod, metadata: { name: 'p', labels: { app: 'b' } } }), { resource: 'Pod', action: 'UpdatePodLabel' });
  assert.equal(assignedPodUpdateEvent(pod, { ...pod, status: { phase: 'Running', podIP: '10.0.0.1' } }), undefined);
});
