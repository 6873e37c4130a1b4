import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin } from '../framework/interface.ts';
import { newNodeUnschedulable } from './node-unschedulable.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const plugin = newNodeUnschedulable(undefined, fakeHandle([])) as FilterPlugin;
const cases: { name: string; cordoned: boolean; tolerations?: Toleration[]; want: string }[] = [
  { name: 'a schedulable node fits', cordoned: false, want: 'Success' },
  { name: 'a cordoned node does not', cordoned: true, want: 'UnschedulableAndUnresolvable' },
  {
    name: 'a cordoned node fits a pod tolerating the unschedulable taint',
    cordoned: true,
    tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
    want: 'Success',
  },
  { name: 'a toleration of every taint also does', cordoned: true, tolerations: [{ operator: 'Exists' }], want: 'Success' },
  { name: 'a toleration of another key does not', cordoned: true, tolerations: [{ key: 'other', operator: 'Exists' }], want: 'UnschedulableAndUnresolvable' },
];
for (const c of cases) {
  test(c.name, () => {
    const got = plugin.filter(new CycleState(), makePod('p', { tolerations: c.tolerations }), nodeWith(makeNode('n1', { unschedulable: c.cordoned })));
    assert.equal(got.code, c.want);
    if (c.want !== 'Success') assert.deepEqual(got.reasons, ['node(s) were unschedulable']);
  });
}
