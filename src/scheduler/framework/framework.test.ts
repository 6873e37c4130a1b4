import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { SchedulerConfigError, type SchedulerProfile } from '../config.ts';
import { Framework, type Registry } from './framework.ts';
import { CycleState, status, SUCCESS, type FilterPlugin, type PreFilterPlugin, type ScorePlugin } from './interface.ts';
import { newNodeInfo } from './node-info.ts';
import { Snapshot } from '../snapshot.ts';

const node = (name: string, labels: Record<string, string> = {}): Node => ({ metadata: { name, labels }, status: { allocatable: { cpu: '1', pods: '10' } } });
const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] } };

/** A registry of small fakes; `calls` records what ran. */
function fakes(calls: string[]): Registry {
  const filter = (name: string, reject?: string): FilterPlugin => ({
    name,
    filter: (_s, _p, n) => {
      calls.push(`${name}.filter(${n.node.metadata?.name})`);
      return reject && n.node.metadata?.labels?.[reject] ? status('Unschedulable', `${name} says no`) : SUCCESS;
    },
  });
  const labelScore = (name: string, label: string): ScorePlugin => ({
    name,
    score: (_s, _p, n) => Number(n.node.metadata?.labels?.[label] ?? 0),
  });
  return {
    NodeName: () => filter('NodeName'),
    NodeUnschedulable: () => filter('NodeUnschedulable', 'cordoned'),
    TaintToleration: () => labelScore('TaintToleration', 'taintScore'),
    NodeAffinity: () => labelScore('NodeAffinity', 'affinityScore'),
    Custom: () => ({ name: 'Custom', filter: () => status('Unschedulable', 'custom') }) as FilterPlugin,
    Skipper: () =>
      ({
        name: 'Skipper',
        preFilter: () => ({ status: status('Skip') }),
        filter: () => status('Unschedulable', 'should have been skipped'),
      }) as PreFilterPlugin & FilterPlugin,
    Narrow: (args) =>
      ({
        name: 'Narrow',
        preFilter: () => ({ result: { nodeNames: new Set((args?.nodes as string[]) ?? []) }, status: SUCCESS }),
      }) as PreFilterPlugin,
  };
}

function framework(profile: Partial<SchedulerProfile> = {}, calls: string[] = [], log?: (l: string) => void): Framework {
  return new Framework({ profile: { schedulerName: 'default-scheduler', ...profile }, registry: fakes(calls), snapshot: () => new Snapshot(), nominatedPodsForNode: () => [], log });
}

test('defaults: every registered default plugin at each point it implements, with upstream weights', () => {
  const logs: string[] = [];
  const f = framework({}, [], (l) => logs.push(l));
  assert.deepEqual(f.filterPlugins.map((p) => p.name), ['NodeUnschedulable', 'NodeName']);
  assert.deepEqual(f.scorePlugins.map((s) => [s.plugin.name, s.weight]), [['TaintToleration', 3], ['NodeAffinity', 2]]);
  assert.match(logs.join('\n'), /left out: .*NodeResourcesFit/);
});

test('configuration disables, enables and re-weights plugins', () => {
  const f = framework({
    plugins: {
      filter: { disabled: [{ name: 'NodeName' }], enabled: [{ name: 'Custom' }] },
      score: { enabled: [{ name: 'NodeAffinity', weight: 7 }], disabled: [{ name: '*' }] },
    },
  });
  assert.deepEqual(f.filterPlugins.map((p) => p.name), ['Custom', 'NodeUnschedulable']);
  assert.deepEqual(f.scorePlugins.map((s) => [s.plugin.name, s.weight]), [['NodeAffinity', 7]]);
});

test('an unknown plugin, or one at a point it lacks, is a configuration error', () => {
  assert.throws(() => framework({ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }), (e: unknown) => e instanceof SchedulerConfigError && /"Nope" does not exist/.test(e.message));
  assert.throws(() => framework({ plugins: { score: { enabled: [{ name: 'Custom' }] } } }), /does not implement score/);
  assert.throws(() => framework({ pluginConfig: [{ name: 'Ghost', args: {} }] }), /Ghost/);
});

test('Filter stops at the first rejection and names the plugin; PreFilter Skip skips Filter', () => {
  const calls: string[] = [];
  const f = framework({ plugins: { multiPoint: { enabled: [{ name: 'Skipper' }] } } }, calls);
  const state = new CycleState();
  assert.equal(f.runPreFilterPlugins(state, pod, []).status.code, 'Success');
  const s = f.runFilterPlugins(state, pod, newNodeInfo(node('n1', { cordoned: 'yes' })));
  assert.deepEqual(s, { code: 'Unschedulable', reasons: ['NodeUnschedulable says no'], plugin: 'NodeUnschedulable' });
  assert.deepEqual(calls, ['NodeUnschedulable.filter(n1)']);
  assert.equal(f.runFilterPlugins(state, pod, newNodeInfo(node('n2'))).code, 'Success', 'Skipper filter skipped');
});

test('PreFilter node names narrow the nodes; disjoint sets reject the pod', () => {
  const f = framework({ plugins: { preFilter: { enabled: [{ name: 'Narrow' }] } }, pluginConfig: [{ name: 'Narrow', args: { nodes: ['a', 'b'] } }] });
  const r = f.runPreFilterPlugins(new CycleState(), pod, []);
  assert.deepEqual([...(r.result?.nodeNames ?? [])], ['a', 'b']);
  assert.deepEqual(r.narrowedBy, ['Narrow']);
  const empty = framework({ plugins: { preFilter: { enabled: [{ name: 'Narrow' }] } } });
  const rejected = empty.runPreFilterPlugins(new CycleState(), pod, []);
  assert.equal(rejected.status.code, 'UnschedulableAndUnresolvable');
  assert.match(rejected.status.reasons[0], /didn't satisfy plugin\(s\) \[Narrow\] simultaneously/);
});

test('scores are weighted and summed per node; out-of-range scores are errors', () => {
  const f = framework();
  const nodes = [newNodeInfo(node('a', { taintScore: '10', affinityScore: '50' })), newNodeInfo(node('b', { taintScore: '40' }))];
  const state = new CycleState();
  assert.deepEqual(f.runScorePlugins(state, pod, nodes).totals, [10 * 3 + 50 * 2, 40 * 3]);
  const bad = f.runScorePlugins(state, pod, [newNodeInfo(node('c', { taintScore: '101' }))]);
  assert.equal(bad.status.code, 'Error');
  assert.match(bad.status.reasons[0], /invalid score 101/);
});

test('a Score plugin that answers a Status fails the cycle under its name; the node-score list is reused safely', () => {
  const registry: Registry = {
    Picky: () =>
      ({
        name: 'Picky',
        score: (_s, _p, n) => (n.node.metadata?.labels?.broken ? status('Error', 'cannot score a broken node') : Number(n.node.metadata?.labels?.score ?? 0)),
        normalizeScore: (_s, _p, scores) => {
          for (const sc of scores) sc.score = sc.name === 'big' ? 100 : 0;
          return SUCCESS;
        },
      }) as ScorePlugin,
    Silent: () => ({ name: 'Silent', score: () => SUCCESS }) as ScorePlugin,
  };
  const make = (name: string) =>
    new Framework({
      profile: { schedulerName: 's', plugins: { multiPoint: { disabled: [{ name: '*' }], enabled: [{ name }] } } },
      registry,
      snapshot: () => new Snapshot(),
      nominatedPodsForNode: () => [],
    });
  const f = make('Picky');
  const failed = f.runScorePlugins(new CycleState(), pod, [newNodeInfo(node('a')), newNodeInfo(node('b', { broken: 'yes' }))]);
  assert.deepEqual(failed.status, { code: 'Error', reasons: ['cannot score a broken node'], plugin: 'Picky' });
  // Three nodes, then two, then three again: each cycle's normaliser sees exactly its nodes, by name.
  assert.deepEqual(f.runScorePlugins(new CycleState(), pod, [newNodeInfo(node('a')), newNodeInfo(node('big')), newNodeInfo(node('c'))]).totals, [0, 100, 0]);
  assert.deepEqual(f.runScorePlugins(new CycleState(), pod, [newNodeInfo(node('big')), newNodeInfo(node('x'))]).totals, [100, 0]);
  assert.deepEqual(f.runScorePlugins(new CycleState(), pod, [newNodeInfo(node('x')), newNodeInfo(node('y')), newNodeInfo(node('big'))]).totals, [0, 0, 100]);
  const silent = make('Silent').runScorePlugins(new CycleState(), pod, [newNodeInfo(node('a'))]);
  assert.equal(silent.status.code, 'Error', 'a Success status is not a score');
  assert.equal(silent.status.plugin, 'Silent');
});

test('Filter with nominated pods: a higher-priority nominated pod takes its room first', () => {
  const nominated: Pod = { metadata: { name: 'big', namespace: 'default', uid: 'big' }, spec: { priority: 10, containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] } };
  const registry: Registry = {
    Fit: () =>
      ({
        name: 'Fit',
        filter: (_s, _p, n) => (n.requested.milliCPU + 500 <= n.allocatable.milliCPU ? SUCCESS : status('Unschedulable', 'Insufficient cpu')),
      }) as FilterPlugin,
  };
  const f = new Framework({
    profile: { schedulerName: 's', plugins: { multiPoint: { disabled: [{ name: '*' }], enabled: [{ name: 'Fit' }] } } },
    registry,
    snapshot: () => new Snapshot(),
    nominatedPodsForNode: (n) => (n === 'n1' ? [nominated] : []),
  });
  const small: Pod = { ...pod, spec: { priority: 0, containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }] } };
  assert.equal(f.runFilterPluginsWithNominatedPods(new CycleState(), small, newNodeInfo(node('n1'))).code, 'Unschedulable');
  assert.equal(f.runFilterPluginsWithNominatedPods(new CycleState(), { ...small, spec: { ...small.spec!, priority: 20 } }, newNodeInfo(node('n1'))).code, 'Success');
});
