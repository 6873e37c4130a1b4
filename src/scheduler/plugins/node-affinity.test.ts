import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework/interface.ts';
import { newNodeAffinity } from './node-affinity.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const plugin = newNodeAffinity(undefined, fakeHandle([])) as PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
const zoneA = nodeWith(makeNode('a1', { labels: { zone: 'a', disk: 'ssd' } }));
const zoneB = nodeWith(makeNode('b1', { labels: { zone: 'b' } }));
const names = (...values: string[]): Affinity => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values }] }] } },
});

describe('NodeAffinity filter', () => {
  const cases: { name: string; nodeSelector?: Record<string, string>; affinity?: Affinity; want: Record<string, string> }[] = [
    { name: 'nothing required: skipped', want: { a1: 'Skip', b1: 'Skip' } },
    { name: 'nodeSelector', nodeSelector: { zone: 'b' }, want: { a1: 'UnschedulableAndUnresolvable', b1: 'Success' } },
    {
      name: 'required affinity',
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } },
      want: { a1: 'Success', b1: 'UnschedulableAndUnresolvable' },
    },
    {
      name: 'nodeSelector and affinity must both hold',
      nodeSelector: { zone: 'b' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }] } } },
      want: { a1: 'UnschedulableAndUnresolvable', b1: 'UnschedulableAndUnresolvable' },
    },
    { name: 'preferred terms alone require nothing', affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } }, want: { a1: 'Skip', b1: 'Skip' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const pod = makePod('p', { nodeSelector: c.nodeSelector, affinity: c.affinity });
      const got: Record<string, string> = {};
      for (const info of [zoneA, zoneB]) {
        const state = new CycleState();
        const pre = plugin.preFilter(state, pod, [zoneA, zoneB]);
        const s = pre.status.code === 'Skip' ? pre.status : plugin.filter(state, pod, info);
        got[info.node.metadata!.name!] = s.code;
        if (s.code === 'UnschedulableAndUnresolvable') assert.deepEqual(s.reasons, ["node(s) didn't match Pod's node affinity/selector"]);
      }
      assert.deepEqual(got, c.want);
    });
  }
});

describe('NodeAffinity PreFilter narrowing', () => {
  test('metadata.name In narrows to those nodes', () => {
    const pre = plugin.preFilter(new CycleState(), makePod('p', { affinity: names('b1', 'c1') }), []);
    assert.deepEqual([...(pre.result?.nodeNames ?? [])].sort(), ['b1', 'c1']);
  });
  test('a term without a name requirement does not narrow', () => {
    const affinity = names('b1');
    affinity.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms.push({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] });
    assert.equal(plugin.preFilter(new CycleState(), makePod('p', { affinity }), []).result, undefined);
  });
  test('conflicting name requirements in a term match nothing', () => {
    const affinity = names('b1');
    affinity.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchFields!.push({ key: 'metadata.name', operator: 'In', values: ['c1'] });
    const pre = plugin.preFilter(new CycleState(), makePod('p', { affinity }), []);
    assert.equal(pre.status.code, 'UnschedulableAndUnresolvable');
  });
});

describe('NodeAffinity score', () => {
  test('weights of matched preferred terms, normalized to the best', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 2, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 6, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
            { weight: 2, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } },
          ],
        },
      },
    });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod, [zoneA, zoneB]).code, 'Success');
    const scores = [zoneA, zoneB].map((n) => ({ name: n.node.metadata!.name!, score: plugin.score(state, pod, n) as number }));
    assert.deepEqual(scores.map((s) => s.score), [8, 2]);
    plugin.normalizeScore!(state, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [100, 25]);
  });
  test('no preferred terms: skipped', () => assert.equal(plugin.preScore(new CycleState(), makePod('p'), []).code, 'Skip'));
});
