import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from '../fixtures.test-support.ts';
import { newInterPodAffinity } from './index.ts';

type Affinity_ = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
const term = (app: string, topologyKey = 'zone', extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels: { app } }, topologyKey, ...extra });
const affinity = (...terms: PodAffinityTerm[]): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const antiAffinity = (...terms: PodAffinityTerm[]): Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const app = (name: string, label: string, o: Parameters<typeof makePod>[1] = {}) => makePod(name, { ...o, labels: { app: label, ...o.labels } });

function filterAll(nodes: NodeInfo[], pod: Pod): Record<string, string> {
  const plugin = newInterPodAffinity(undefined, fakeHandle(nodes)) as Affinity_;
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod, nodes);
  const out: Record<string, string> = {};
  for (const n of nodes) {
    const s = pre.status.code === 'Skip' ? pre.status : plugin.filter(state, pod, n);
    out[n.node.metadata!.name!] = s.code === 'Success' || s.code === 'Skip' ? s.code : `${s.code}: ${s.reasons.join()}`;
  }
  return out;
}

const zoned = (name: string, zone: string, pods: Pod[] = []) => nodeWith(makeNode(name, { labels: { zone } }), pods);
const AFF = "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules";
const ANTI = "Unschedulable: node(s) didn't match pod anti-affinity rules";
const EXISTING = "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules";

describe('InterPodAffinity filter', () => {
  const cases: { name: string; nodes: NodeInfo[]; pod: Pod; want: Record<string, string> }[] = [
    { name: 'no terms anywhere: skipped', nodes: [zoned('a1', 'a', [app('db', 'db')])], pod: app('p', 'web'), want: { a1: 'Skip' } },
    {
      name: 'affinity: only the zone with a matching pod',
      nodes: [zoned('a1', 'a', [app('db', 'db')]), zoned('a2', 'a'), zoned('b1', 'b')],
      pod: app('p', 'web', { affinity: affinity(term('db')) }),
      want: { a1: 'Success', a2: 'Success', b1: AFF },
    },
    {
      name: 'affinity: a node without the topology key',
      nodes: [zoned('a1', 'a', [app('db', 'db')]), nodeWith(makeNode('x'))],
      pod: app('p', 'web', { affinity: affinity(term('db')) }),
      want: { a1: 'Success', x: AFF },
    },
    {
      name: 'affinity to its own kind with no match anywhere: the first one may go anywhere',
      nodes: [zoned('a1', 'a'), zoned('b1', 'b')],
      pod: app('p', 'web', { affinity: affinity(term('web')) }),
      want: { a1: 'Success', b1: 'Success' },
    },
    {
      name: 'affinity to another kind with no match anywhere: nowhere',
      nodes: [zoned('a1', 'a')],
      pod: app('p', 'web', { affinity: affinity(term('db')) }),
      want: { a1: AFF },
    },
    {
      name: 'affinity ignores pods of other namespaces',
      nodes: [zoned('a1', 'a', [app('db', 'db', { namespace: 'other' })])],
      pod: app('p', 'web', { affinity: affinity(term('db')) }),
      want: { a1: AFF },
    },
    {
      name: 'affinity naming the namespace',
      nodes: [zoned('a1', 'a', [app('db', 'db', { namespace: 'other' })]), zoned('b1', 'b')],
      pod: app('p', 'web', { affinity: affinity(term('db', 'zone', { namespaces: ['other'] })) }),
      want: { a1: 'Success', b1: AFF },
    },
    {
      name: 'anti-affinity: not in the zone with a matching pod',
      nodes: [zoned('a1', 'a', [app('w1', 'web')]), zoned('a2', 'a'), zoned('b1', 'b')],
      pod: app('p', 'web', { affinity: antiAffinity(term('web')) }),
      want: { a1: ANTI, a2: ANTI, b1: 'Success' },
    },
    {
      name: 'anti-affinity per hostname',
      nodes: [zoned('a1', 'a', [app('w1', 'web')]), zoned('a2', 'a')],
      pod: app('p', 'web', { affinity: antiAffinity(term('web', 'kubernetes.io/hostname')) }),
      want: { a1: ANTI, a2: 'Success' },
    },
    {
      name: "an existing pod's anti-affinity keeps the newcomer out of its zone",
      nodes: [zoned('a1', 'a', [app('lonely', 'db', { affinity: antiAffinity(term('web')) })]), zoned('a2', 'a'), zoned('b1', 'b')],
      pod: app('p', 'web'),
      want: { a1: EXISTING, a2: EXISTING, b1: 'Success' },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(filterAll(c.nodes, c.pod), c.want));

  test('a namespaceSelector reads namespace labels through the handle', () => {
    const nodes = [zoned('a1', 'a', [app('db', 'db', { namespace: 'team-a' })]), zoned('b1', 'b', [app('db', 'db', { namespace: 'team-b' })])];
    const labels: Record<string, Record<string, string>> = { 'team-a': { team: 'a' }, 'team-b': { team: 'b' } };
    const handle = { ...fakeHandle(nodes), namespaceLabels: (ns: string) => labels[ns] };
    const plugin = newInterPodAffinity(undefined, handle) as Affinity_;
    const pod = app('p', 'web', { affinity: affinity(term('db', 'zone', { namespaceSelector: { matchLabels: { team: 'a' } } })) });
    const state = new CycleState();
    plugin.preFilter(state, pod, nodes);
    assert.deepEqual(nodes.map((n) => plugin.filter(state, pod, n).code), ['Success', 'UnschedulableAndUnresolvable']);
  });

  test('an empty namespaceSelector selects every namespace', () => {
    const nodes = [zoned('a1', 'a', [app('db', 'db', { namespace: 'elsewhere' })]), zoned('b1', 'b')];
    const pod = app('p', 'web', { affinity: affinity(term('db', 'zone', { namespaceSelector: {} })) });
    assert.deepEqual(filterAll(nodes, pod), { a1: 'Success', b1: AFF });
  });

  test('removing the matching pod in a what-if lifts anti-affinity', () => {
    const nodes = [zoned('a1', 'a', [app('w1', 'web')])];
    const plugin = newInterPodAffinity(undefined, fakeHandle(nodes)) as Affinity_;
    const pod = app('p', 'web', { affinity: antiAffinity(term('web')) });
    const state = new CycleState();
    plugin.preFilter(state, pod, nodes);
    const whatIf = state.clone();
    plugin.removePod!(whatIf, pod, nodes[0].pods[0].pod, nodes[0]);
    assert.equal(plugin.filter(whatIf, pod, nodes[0]).code, 'Success');
    assert.equal(plugin.filter(state, pod, nodes[0]).code, 'Unschedulable');
  });
});

describe('InterPodAffinity score', () => {
  const weighted = (weight: number, t: PodAffinityTerm) => [{ weight, podAffinityTerm: t }];
  test('preferred affinity and anti-affinity, normalized min..max', () => {
    const nodes = [zoned('a1', 'a', [app('db', 'db')]), zoned('b1', 'b'), zoned('c1', 'c', [app('cache', 'cache')])];
    const plugin = newInterPodAffinity(undefined, fakeHandle(nodes)) as Affinity_;
    const pod = app('p', 'web', {
      affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: weighted(10, term('db')) }, podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: weighted(5, term('cache')) } },
    });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod, nodes).code, 'Success');
    const scores = nodes.map((n) => ({ name: n.node.metadata!.name!, score: plugin.score(state, pod, n) as number }));
    assert.deepEqual(scores.map((s) => s.score), [10, 0, -5]);
    plugin.normalizeScore!(state, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [100, 33, 0]);
  });

  test("existing pods' required affinity toward the newcomer counts at hardPodAffinityWeight", () => {
    const nodes = [zoned('a1', 'a', [app('fan', 'fan', { affinity: affinity(term('web')) })]), zoned('b1', 'b')];
    const plugin = newInterPodAffinity({ hardPodAffinityWeight: 7 }, fakeHandle(nodes)) as Affinity_;
    const pod = app('p', 'web');
    const state = new CycleState();
    plugin.preScore(state, pod, nodes);
    assert.deepEqual(nodes.map((n) => plugin.score(state, pod, n)), [7, 0]);
  });

  test('no terms anywhere: skipped', () => {
    const nodes = [zoned('a1', 'a', [app('db', 'db')])];
    const plugin = newInterPodAffinity(undefined, fakeHandle(nodes)) as Affinity_;
    assert.equal(plugin.preScore(new CycleState(), app('p', 'web'), nodes).code, 'Skip');
  });
});
