import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith, type NodeOptions } from '../fixtures.test-support.ts';
import { newPodTopologySpread } from './index.ts';

type Spread = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
const web = (name: string, ns = 'default') => makePod(name, { labels: { app: 'web' }, namespace: ns });
const zone = (z: string, o: NodeOptions = {}) => ({ ...o, labels: { zone: z, ...o.labels } });
const spread = (o: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  maxSkew: 1,
  topologyKey: 'zone',
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
  ...o,
});

function filterAll(nodes: NodeInfo[], pod: Pod): Record<string, string> {
  const plugin = newPodTopologySpread(undefined, fakeHandle(nodes)) as Spread;
  const state = new CycleState();
  const pre = plugin.preFilter(state, pod, nodes);
  const out: Record<string, string> = {};
  for (const n of nodes) out[n.node.metadata!.name!] = pre.status.code === 'Skip' ? 'Skip' : plugin.filter(state, pod, n).code;
  return out;
}

describe('PodTopologySpread filter', () => {
  const cluster = () => [
    nodeWith(makeNode('a1', zone('a')), [web('w1'), web('w2')]),
    nodeWith(makeNode('a2', zone('a'))),
    nodeWith(makeNode('b1', zone('b')), [makePod('other')]),
  ];
  const cases: { name: string; nodes?: NodeInfo[]; pod: Pod; want: Record<string, string> }[] = [
    { name: 'no constraints: skipped', pod: web('p'), want: { a1: 'Skip', a2: 'Skip', b1: 'Skip' } },
    {
      name: 'the fuller zone exceeds maxSkew',
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread()] }),
      want: { a1: 'Unschedulable', a2: 'Unschedulable', b1: 'Success' },
    },
    {
      name: 'maxSkew 3 allows it',
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread({ maxSkew: 3 })] }),
      want: { a1: 'Success', a2: 'Success', b1: 'Success' },
    },
    {
      name: 'a pod its own selector does not match adds no skew',
      pod: makePod('p', { labels: { app: 'db' }, topologySpreadConstraints: [spread({ maxSkew: 2 })] }),
      want: { a1: 'Success', a2: 'Success', b1: 'Success' },
    },
    {
      name: 'pods of other namespaces do not count',
      nodes: [nodeWith(makeNode('a1', zone('a')), [web('w1', 'other'), web('w2', 'other')]), nodeWith(makeNode('b1', zone('b')))],
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread()] }),
      want: { a1: 'Success', b1: 'Success' },
    },
    {
      name: 'a node without the key is unresolvable',
      nodes: [nodeWith(makeNode('a1', zone('a'))), nodeWith(makeNode('x'))],
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread()] }),
      want: { a1: 'Success', x: 'UnschedulableAndUnresolvable' },
    },
    {
      name: 'fewer domains than minDomains: the minimum is 0',
      nodes: [nodeWith(makeNode('a1', zone('a')), [web('w1')]), nodeWith(makeNode('b1', zone('b')), [web('w2')])],
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread({ minDomains: 3 })] }),
      want: { a1: 'Unschedulable', b1: 'Unschedulable' },
    },
    {
      name: 'nodes the pod cannot use (nodeSelector) do not form domains',
      nodes: [nodeWith(makeNode('a1', zone('a', { labels: { disk: 'ssd' } })), [web('w1')]), nodeWith(makeNode('b1', zone('b')))],
      pod: makePod('p', { labels: { app: 'web' }, nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread()] }),
      want: { a1: 'Success', b1: 'Success' },
    },
    {
      name: 'with nodeAffinityPolicy Ignore they do',
      nodes: [nodeWith(makeNode('a1', zone('a', { labels: { disk: 'ssd' } })), [web('w1')]), nodeWith(makeNode('b1', zone('b')))],
      pod: makePod('p', { labels: { app: 'web' }, nodeSelector: { disk: 'ssd' }, topologySpreadConstraints: [spread({ nodeAffinityPolicy: 'Ignore' })] }),
      want: { a1: 'Unschedulable', b1: 'Success' },
    },
    {
      name: 'tainted nodes form domains unless nodeTaintsPolicy is Honor',
      nodes: [nodeWith(makeNode('a1', zone('a')), [web('w1')]), nodeWith(makeNode('b1', zone('b', { taints: [{ key: 'k', effect: 'NoSchedule' }] })))],
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread()] }),
      want: { a1: 'Unschedulable', b1: 'Success' },
    },
    {
      name: 'with nodeTaintsPolicy Honor untolerated tainted nodes do not',
      nodes: [nodeWith(makeNode('a1', zone('a')), [web('w1')]), nodeWith(makeNode('b1', zone('b', { taints: [{ key: 'k', effect: 'NoSchedule' }] })))],
      pod: makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread({ nodeTaintsPolicy: 'Honor' })] }),
      want: { a1: 'Success', b1: 'Success' },
    },
    {
      name: 'matchLabelKeys narrow the selector to the pod’s own value',
      nodes: [nodeWith(makeNode('a1', zone('a')), [makePod('w1', { labels: { app: 'web', rev: '1' } })]), nodeWith(makeNode('b1', zone('b')))],
      pod: makePod('p', { labels: { app: 'web', rev: '2' }, topologySpreadConstraints: [spread({ matchLabelKeys: ['rev'] })] }),
      want: { a1: 'Success', b1: 'Success' },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(filterAll(c.nodes ?? cluster(), c.pod), c.want));

  test('removing pods in a what-if changes the verdict', () => {
    const nodes = cluster();
    const plugin = newPodTopologySpread(undefined, fakeHandle(nodes)) as Spread;
    const pod = makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread()] });
    const state = new CycleState();
    plugin.preFilter(state, pod, nodes);
    const whatIf = state.clone();
    plugin.removePod!(whatIf, pod, nodes[0].pods[0].pod, nodes[0]);
    plugin.removePod!(whatIf, pod, nodes[0].pods[1].pod, nodes[0]);
    assert.equal(plugin.filter(whatIf, pod, nodes[0]).code, 'Success');
    assert.equal(plugin.filter(state, pod, nodes[0]).code, 'Unschedulable', 'the original state is untouched');
  });
});

describe('PodTopologySpread score', () => {
  test('emptier domains score higher; nodes without the key get 0', () => {
    const nodes = [
      nodeWith(makeNode('a1', zone('a')), [web('w1'), web('w2')]),
      nodeWith(makeNode('a2', zone('a'))),
      nodeWith(makeNode('b1', zone('b')), [web('w3')]),
      nodeWith(makeNode('c1', zone('c'))),
      nodeWith(makeNode('x')),
    ];
    const plugin = newPodTopologySpread(undefined, fakeHandle(nodes)) as Spread;
    const pod = makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread({ whenUnsatisfiable: 'ScheduleAnyway' })] });
    const state = new CycleState();
    assert.equal(plugin.preScore(state, pod, nodes).code, 'Success');
    const scores = nodes.map((n) => ({ name: n.node.metadata!.name!, score: plugin.score(state, pod, n) as number }));
    // weight log(3 zones + 2) ≈ 1.609: zone a 2 pods → 3, zone b 1 → 2, zone c 0 → 0.
    assert.deepEqual(scores.map((s) => s.score), [3, 3, 2, 0, 0]);
    plugin.normalizeScore!(state, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [0, 0, 33, 100, 0]);
  });

  test('hostname spreading counts per node', () => {
    const nodes = [nodeWith(makeNode('n1'), [web('w1')]), nodeWith(makeNode('n2'))];
    const plugin = newPodTopologySpread(undefined, fakeHandle(nodes)) as Spread;
    const pod = makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: [spread({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' })] });
    const state = new CycleState();
    plugin.preScore(state, pod, nodes);
    const scores = nodes.map((n) => ({ name: n.node.metadata!.name!, score: plugin.score(state, pod, n) as number }));
    plugin.normalizeScore!(state, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [0, 100]);
  });

  test('no soft constraints: skipped', () => {
    const nodes = [nodeWith(makeNode('n1'))];
    const plugin = newPodTopologySpread(undefined, fakeHandle(nodes)) as Spread;
    assert.equal(plugin.preScore(new CycleState(), makePod('p', { topologySpreadConstraints: [spread()] }), nodes).code, 'Skip');
  });
});
