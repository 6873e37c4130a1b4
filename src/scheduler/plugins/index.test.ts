import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILT_IN_PLUGINS } from '../config.ts';
import { DEFAULT_PLUGINS, IN_TREE_PLUGINS } from './index.ts';
import { fakeHandle } from './fixtures.test-support.ts';

test('every default plugin is in the registry (or built into the queue)', () => {
  const missing = DEFAULT_PLUGINS.map((p) => p.name).filter((n) => !IN_TREE_PLUGINS[n] && !BUILT_IN_PLUGINS.has(n));
  assert.deepEqual(missing, []);
});

test('each factory builds a plugin of its registered name', () => {
  for (const [name, factory] of Object.entries(IN_TREE_PLUGINS)) assert.equal(factory(undefined, fakeHandle([])).name, name);
});

test('default score weights are upstream’s', () => {
  const weights = Object.fromEntries(DEFAULT_PLUGINS.filter((p) => p.weight).map((p) => [p.name, p.weight]));
  assert.deepEqual(weights, {
    TaintToleration: 3,
    NodeAffinity: 2,
    PodTopologySpread: 2,
    InterPodAffinity: 2,
    NodeResourcesFit: 1,
    NodeResourcesBalancedAllocation: 1,
    ImageLocality: 1,
  });
});
