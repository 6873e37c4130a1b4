import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interface.ts';
import { newNodeResourcesFit } from './node-resources-fit.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith, type NodeOptions } from './fixtures.test-support.ts';

type Fit = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

describe('NodeResourcesFit filter', () => {
  const plugin = newNodeResourcesFit(undefined, fakeHandle([])) as Fit;
  const cases: {
    name: string;
    node?: NodeOptions['allocatable'];
    existing?: Record<string, string>[];
    requests?: Record<string, string>;
    code: string;
    reasons?: string[];
  }[] = [
    { name: 'a pod without requests fits an empty node', code: 'Success' },
    { name: 'requests within what is free fit', existing: [{ cpu: '3' }], requests: { cpu: '1', memory: '1Gi' }, code: 'Success' },
    { name: 'more cpu than is free', existing: [{ cpu: '3' }], requests: { cpu: '1500m' }, code: 'Unschedulable', reasons: ['Insufficient cpu'] },
    {
      name: 'cpu and memory short, in upstream order',
      existing: [{ cpu: '3', memory: '7Gi' }],
      requests: { memory: '2Gi', cpu: '2' },
      code: 'Unschedulable',
      reasons: ['Insufficient cpu', 'Insufficient memory'],
    },
    { name: 'more than the whole node cannot be helped by preemption', requests: { cpu: '5' }, code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient cpu'] },
    { name: 'too many pods', node: { pods: '1' }, existing: [{}], code: 'Unschedulable', reasons: ['Too many pods'] },
    { name: 'ephemeral storage', node: { 'ephemeral-storage': '10Gi' }, existing: [{ 'ephemeral-storage': '9Gi' }], requests: { 'ephemeral-storage': '2Gi' }, code: 'Unschedulable', reasons: ['Insufficient ephemeral-storage'] },
    { name: 'an extended resource the node lacks', requests: { 'example.com/gpu': '1' }, code: 'UnschedulableAndUnresolvable', reasons: ['Insufficient example.com/gpu'] },
    { name: 'an extended resource the node has', node: { 'example.com/gpu': '2' }, existing: [{ 'example.com/gpu': '1' }], requests: { 'example.com/gpu': '1' }, code: 'Success' },
    { name: 'an extended resource in use', node: { 'example.com/gpu': '2' }, existing: [{ 'example.com/gpu': '2' }], requests: { 'example.com/gpu': '1' }, code: 'Unschedulable', reasons: ['Insufficient example.com/gpu'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const info = nodeWith(makeNode('n1', { allocatable: c.node }), (c.existing ?? []).map((r, i) => makePod(`e${i}`, { requests: r })));
      const state = new CycleState();
      const pod = makePod('p', { requests: c.requests });
      plugin.preFilter(state, pod, [info]);
      const got = plugin.filter(state, pod, info);
      assert.equal(got.code, c.code);
      assert.deepEqual(got.reasons, c.reasons ?? []);
    });
  }

  test('init containers count at their peak', () => {
    const pod = makePod('p', { requests: { cpu: '1' } });
    pod.spec!.initContainers = [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '3500m' } } }];
    const info = nodeWith(makeNode('n1'), [makePod('e', { requests: { cpu: '1' } })]);
    const state = new CycleState();
    plugin.preFilter(state, pod, [info]);
    assert.deepEqual(plugin.filter(state, pod, info).reasons, ['Insufficient cpu']);
  });

  test('ignored extended resources are not checked', () => {
    const lenient = newNodeResourcesFit({ ignoredResourceGroups: ['example.com'] }, fakeHandle([])) as Fit;
    const pod = makePod('p', { requests: { 'example.com/gpu': '1' } });
    const state = new CycleState();
    const info = nodeWith(makeNode('n1'));
    lenient.preFilter(state, pod, [info]);
    assert.equal(lenient.filter(state, pod, info).code, 'Success');
  });
});

describe('NodeResourcesFit score', () => {
  // Node: 4 CPUs, 8 GiB. Pod: 1 CPU, 2 GiB. Existing: 1 CPU, 2 GiB.
  const cases: { name: string; strategy?: 'LeastAllocated' | 'MostAllocated'; existing: boolean; want: number }[] = [
    { name: 'LeastAllocated on an empty node', existing: false, want: 75 },
    { name: 'LeastAllocated on a half-used node', existing: true, want: 50 },
    { name: 'MostAllocated on an empty node', strategy: 'MostAllocated', existing: false, want: 25 },
    { name: 'MostAllocated on a half-used node', strategy: 'MostAllocated', existing: true, want: 50 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plugin = newNodeResourcesFit(c.strategy ? { scoringStrategy: { type: c.strategy } } : undefined, fakeHandle([])) as Fit;
      const req = { cpu: '1', memory: '2Gi' };
      const info = nodeWith(makeNode('n1'), c.existing ? [makePod('e', { requests: req })] : []);
      const state = new CycleState();
      const pod = makePod('p', { requests: req });
      plugin.preScore(state, pod, [info]);
      assert.equal(plugin.score(state, pod, info), c.want);
    });
  }

  test('a pod without requests is scored with the non-zero defaults (100m, 200Mi)', () => {
    const plugin = newNodeResourcesFit(undefined, fakeHandle([])) as Fit;
    const info = nodeWith(makeNode('n1', { allocatable: { cpu: '1', memory: '2000Mi' } }));
    const state = new CycleState();
    const pod = makePod('p');
    plugin.preScore(state, pod, [info]);
    // cpu: (1000-100)/1000 → 90; memory: (2000-200)/2000 → 90.
    assert.equal(plugin.score(state, pod, info), 90);
  });
});
