import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { terminatedPodsToDelete, unscheduledTerminatingPods } from './pod-gc-plan.ts';

const pod = (name: string, phase: string, created: string, extra: { deleting?: boolean; nodeName?: string } = {}): Pod => ({
  metadata: { name, namespace: 'ns', creationTimestamp: `2024-01-01T00:00:${created}Z`, ...(extra.deleting ? { deletionTimestamp: '2024-01-01T00:01:00Z' } : {}) },
  spec: { containers: [], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
  status: { phase },
});
const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

describe('terminatedPodsToDelete', () => {
  const pods = [pod('d', 'Succeeded', '04'), pod('a', 'Failed', '01'), pod('run', 'Running', '00'), pod('c', 'Succeeded', '03'), pod('b', 'Succeeded', '01')];
  const cases: { name: string; threshold: number; want: (string | undefined)[] }[] = [
    { name: 'under the threshold: none', threshold: 5, want: [] },
    { name: 'at the threshold: none', threshold: 4, want: [] },
    { name: 'over it: the oldest, ties by name; running pods never', threshold: 2, want: ['a', 'b'] },
    { name: 'threshold 1', threshold: 1, want: ['a', 'b', 'c'] },
    { name: 'threshold 0 turns it off', threshold: 0, want: [] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(names(terminatedPodsToDelete([...pods], c.threshold)), c.want));

  test('pods already being deleted are not counted', () => {
    assert.deepEqual(names(terminatedPodsToDelete([pod('x', 'Failed', '00', { deleting: true }), pod('y', 'Failed', '01')], 1)), []);
  });
});

test('unscheduledTerminatingPods: deleting and bound to no node', () => {
  const pods = [pod('a', 'Pending', '00', { deleting: true }), pod('b', 'Running', '00', { deleting: true, nodeName: 'n1' }), pod('c', 'Pending', '00')];
  assert.deepEqual(names(unscheduledTerminatingPods(pods)), ['a']);
});
