import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { isScalingEvent, scalePlan } from './deployment-scale.ts';

function deployment(replicas: number, surge = 3): Deployment {
  return { metadata: { name: 'web' }, spec: { replicas, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: 2 } } } };
}

function rs(name: string, replicas: number, desired?: number, max?: number, created = '2026-01-01T00:00:00Z'): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (desired !== undefined) annotations['deployment.kubernetes.io/desired-replicas'] = String(desired);
  if (max !== undefined) annotations['deployment.kubernetes.io/max-replicas'] = String(max);
  return { metadata: { name, annotations, creationTimestamp: created }, spec: { replicas, selector: {} } };
}

describe('scaling a Deployment', () => {
  test('a scaling event is a running ReplicaSet sized for another spec.replicas', () => {
    assert.ok(isScalingEvent(deployment(20), [rs('a', 10, 10, 13)]));
    assert.ok(!isScalingEvent(deployment(10), [rs('a', 10, 10, 13)]));
    assert.ok(!isScalingEvent(deployment(20), [rs('a', 0, 10, 13)]), 'a scaled-down ReplicaSet does not count');
    assert.ok(!isScalingEvent(deployment(20), [rs('a', 10)]), 'no annotation, no opinion');
  });

  test('one running ReplicaSet takes spec.replicas; with none, the new one does', () => {
    assert.deepEqual([...scalePlan(deployment(5), rs('new', 3), [rs('old', 0)])], [['new', 5]]);
    assert.deepEqual([...scalePlan(deployment(5), rs('new', 0), [rs('old', 0)])], [['new', 5]]);
    assert.deepEqual([...scalePlan(deployment(5), undefined, [rs('old', 2)])], [['old', 5]]);
    assert.deepEqual([...scalePlan(deployment(5), rs('new', 5), [rs('old', 0)])], []);
  });

  test('mid-rollout, growth and shrinkage are shared in proportion', () => {
    // Was 10 (+3 surge = 13): new 8, old 5. Now 20 (+3 = 23): 10 more to add.
    const grown = scalePlan(deployment(20), rs('new', 8, 10, 13, '2026-01-01T00:01:00Z'), [rs('old', 5, 10, 13)]);
    assert.deepEqual(Object.fromEntries(grown), { new: 14, old: 9 });
    // Back down to 5 (+3 = 8) from 23.
    const shrunk = scalePlan(deployment(5), rs('new', 14, 20, 23, '2026-01-01T00:01:00Z'), [rs('old', 9, 20, 23)]);
    assert.deepEqual(Object.fromEntries(shrunk), { new: 5, old: 3 });
    assert.equal([...shrunk.values()].reduce((a, b) => a + b), 8);
  });
});
