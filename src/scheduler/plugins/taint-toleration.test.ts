import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interface.ts';
import { newTaintToleration } from './taint-toleration.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const plugin = newTaintToleration(undefined, fakeHandle([])) as FilterPlugin & PreScorePlugin & ScorePlugin;

describe('TaintToleration filter', () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; code: string; reason?: string }[] = [
    { name: 'no taints', taints: [], code: 'Success' },
    { name: 'an untolerated NoSchedule taint', taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], code: 'UnschedulableAndUnresolvable', reason: 'node(s) had untolerated taint {dedicated: db}' },
    { name: 'an untolerated NoExecute taint without value', taints: [{ key: 'gone', effect: 'NoExecute' }], code: 'UnschedulableAndUnresolvable', reason: 'node(s) had untolerated taint {gone: }' },
    { name: 'a tolerated taint', taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], tolerations: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], code: 'Success' },
    { name: 'PreferNoSchedule does not filter', taints: [{ key: 'soft', effect: 'PreferNoSchedule' }], code: 'Success' },
    {
      name: 'the first untolerated of two is named',
      taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'b', value: '2', effect: 'NoSchedule' }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      code: 'UnschedulableAndUnresolvable',
      reason: 'node(s) had untolerated taint {b: 2}',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const got = plugin.filter(new CycleState(), makePod('p', { tolerations: c.tolerations }), nodeWith(makeNode('n1', { taints: c.taints })));
      assert.equal(got.code, c.code);
      assert.deepEqual(got.reasons, c.reason ? [c.reason] : []);
    });
  }
});

describe('TaintToleration score', () => {
  test('fewer untolerated PreferNoSchedule taints score higher', () => {
    const soft = (key: string): Taint => ({ key, effect: 'PreferNoSchedule' });
    const nodes = [
      nodeWith(makeNode('clean')),
      nodeWith(makeNode('one', { taints: [soft('a')] })),
      nodeWith(makeNode('two', { taints: [soft('a'), soft('b')] })),
      nodeWith(makeNode('tolerated', { taints: [soft('c')] })),
    ];
    const pod = makePod('p', { tolerations: [{ key: 'c', operator: 'Exists', effect: 'PreferNoSchedule' }, { key: 'a', operator: 'Exists', effect: 'NoSchedule' }] });
    const state = new CycleState();
    plugin.preScore(state, pod, nodes);
    const scores = nodes.map((n) => ({ name: n.node.metadata!.name!, score: plugin.score(state, pod, n) as number }));
    plugin.normalizeScore!(state, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [100, 50, 0, 100]);
  });
});
