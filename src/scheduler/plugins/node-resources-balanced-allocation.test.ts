import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PreScorePlugin, ScorePlugin } from '../framework/interface.ts';
import type { Resource } from '../framework/node-info.ts';
import { balancedScore, newNodeResourcesBalancedAllocation } from './node-resources-balanced-allocation.ts';
import type { ResourceSpec } from './resource-allocation.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const plugin = newNodeResourcesBalancedAllocation(undefined, fakeHandle([])) as PreScorePlugin & ScorePlugin;

const CPU_MEM: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];
const GiB = 1024 ** 3;
const cases: { name: string; node: Record<string, string>; pod: Partial<Resource>; resources?: ResourceSpec[]; want: number }[] = [
  { name: 'equal shares are perfectly balanced', node: { cpu: '4', memory: '8Gi' }, pod: { milliCPU: 2000, memory: 4 * GiB }, want: 100 },
  { name: 'shares 0.75 and 0.25', node: { cpu: '4', memory: '8Gi' }, pod: { milliCPU: 3000, memory: 2 * GiB }, want: 75 },
  { name: 'over capacity counts as full', node: { cpu: '4', memory: '8Gi' }, pod: { milliCPU: 8000, memory: 0 }, want: 50 },
  { name: 'a resource the node has none of is left out', node: { cpu: '4', memory: '0' }, pod: { milliCPU: 1000 }, want: 100 },
  {
    name: 'three resources use the standard deviation',
    node: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '1Gi' },
    pod: { milliCPU: 1000, memory: GiB, ephemeralStorage: 0 },
    resources: [...CPU_MEM, { name: 'ephemeral-storage', weight: 1 }],
    want: 59,
  },
  {
    name: 'an extended resource the pod does not ask for is left out',
    node: { cpu: '4', memory: '8Gi', 'example.com/gpu': '4' },
    pod: { milliCPU: 2000, memory: 4 * GiB },
    resources: [...CPU_MEM, { name: 'example.com/gpu', weight: 1 }],
    want: 100,
  },
];
for (const c of cases) {
  test(c.name, () => {
    const info = nodeWith(makeNode('n1', { allocatable: c.node }));
    const requests: Resource = { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: {}, ...c.pod };
    assert.equal(balancedScore(info, requests, c.resources ?? CPU_MEM), c.want);
  });
}

test('scores a node with the pod placed on it', () => {
  const info = nodeWith(makeNode('n1'), [makePod('e', { requests: { cpu: '2' } })]);
  const state = new CycleState();
  const pod = makePod('p', { requests: { cpu: '1', memory: '2Gi' } });
  assert.equal(plugin.preScore(state, pod, [info]).code, 'Success');
  // cpu 3/4, memory 2/8 → std 0.25 → 75.
  assert.equal(plugin.score(state, pod, info), 75);
});

test('best-effort pods are skipped', () => {
  assert.equal(plugin.preScore(new CycleState(), makePod('p'), []).code, 'Skip');
});
