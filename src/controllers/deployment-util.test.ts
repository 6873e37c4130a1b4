import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  calculateDeploymentStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  equalIgnoreHash,
  findNewReplicaSet,
  newCondition,
  newReplicaSetReplicas,
  oldReplicaSetsScaleDown,
  setCondition,
  REVISION_HISTORY_ANNOTATION,
  setNewReplicaSetAnnotations,
} from './deployment-util.ts';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function deployment(replicas: number, surge: number | string = 1, unavailable: number | string = 1, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'ns', generation: 2 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'new' }] } },
      progressDeadlineSeconds: 600,
      ...extra,
    },
  };
}

function rs(name: string, spec: number, available = spec, actual = spec, created = '2026-01-01T00:00:00Z'): ReplicaSet {
  return {
    metadata: { name, creationTimestamp: created },
    spec: { replicas: spec, selector: {}, template: { metadata: { labels: { app: 'web', 'pod-template-hash': name } }, spec: { containers: [{ name: 'c', image: name }] } } },
    status: { replicas: actual, availableReplicas: available, readyReplicas: available },
  };
}

describe('deployment rules', () => {
  test('the new ReplicaSet grows only within maxSurge', () => {
    const cases: [string, Deployment, ReplicaSet[], number][] = [
      ['start: room for the surge', deployment(3, 1, 1), [rs('old', 3), rs('new', 0)], 1],
      ['surge used up', deployment(3, 1, 1), [rs('old', 3), rs('new', 1, 0)], 1],
      ['old shrinking: its pods still count', deployment(3, 1, 1), [rs('old', 1, 1, 3), rs('new', 2, 2)], 2],
      ['old gone: grow to replicas', deployment(3, 1, 1), [rs('old', 0, 0, 0), rs('new', 2, 2)], 3],
      ['never beyond replicas', deployment(3, 10, 1), [rs('old', 0, 0, 0), rs('new', 1)], 3],
      ['Recreate: straight to replicas', deployment(3, 0, 0, { strategy: { type: 'Recreate' } }), [rs('new', 0)], 3],
    ];
    for (const [name, d, all, want] of cases) assert.equal(newReplicaSetReplicas(d, all, all.at(-1)!), want, name);
  });

  test('old ReplicaSets shrink only within maxUnavailable, unhealthy pods first', () => {
    const plan = (d: Deployment, old: ReplicaSet[], n?: ReplicaSet) => Object.fromEntries(oldReplicaSetsScaleDown(d, n ? [...old, n] : old, old, n));
    // 3 replicas, surge 1, unavailable 1: min available 2.
    assert.deepEqual(plan(deployment(3), [rs('old', 3)], rs('new', 1, 0)), { old: 2 }, 'one old pod may go while the new one starts');
    assert.deepEqual(plan(deployment(3), [rs('old', 2)], rs('new', 2, 0)), {}, 'two new unavailable: nothing more may go');
    assert.deepEqual(plan(deployment(3), [rs('old', 2)], rs('new', 2, 2)), { old: 0 }, 'new available: the rest goes');
    assert.deepEqual(plan(deployment(3, 1, 0), [rs('old', 3)], rs('new', 1, 0)), {}, 'maxUnavailable 0: wait for the new pod');
    assert.deepEqual(plan(deployment(3, 1, 0), [rs('old', 3, 1)], rs('new', 1, 1)), { old: 2 }, 'an unhealthy old pod may go though too few are available');
    assert.deepEqual(
      plan(deployment(4, 0, 2), [rs('a', 2, 2, 2, '2026-01-01T00:00:00Z'), rs('b', 2, 2, 2, '2026-01-01T00:01:00Z')], rs('new', 0)),
      { a: 0 },
      'the oldest ReplicaSet shrinks first',
    );
    assert.deepEqual(plan(deployment(3), [rs('old', 0)], rs('new', 3)), {}, 'nothing old left');
  });

  test('templates compare without the pod-template-hash label; the oldest matching ReplicaSet is the new one', () => {
    const d = deployment(3);
    const a = { ...rs('a', 1, 1, 1, '2026-01-01T00:02:00Z'), spec: { selector: {}, template: { ...structuredClone(d.spec!.template), metadata: { labels: { app: 'web', 'pod-template-hash': 'a' } } } } };
    const b = { ...structuredClone(a), metadata: { name: 'b', creationTimestamp: '2026-01-01T00:01:00Z' } };
    assert.ok(equalIgnoreHash(a.spec.template, d.spec!.template));
    assert.ok(!equalIgnoreHash(rs('x', 1).spec!.template, d.spec!.template));
    assert.equal(findNewReplicaSet(d, [rs('x', 1), a, b])?.metadata?.name, 'b');
    assert.equal(findNewReplicaSet(d, [rs('x', 1)]), undefined);
  });

  test('revision annotations: a rollback records the revision it had before', () => {
    const d = deployment(3);
    d.metadata!.annotations = { 'kubernetes.io/change-cause': 'undo', 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const fresh: ReplicaSet = rs('new', 0);
    assert.ok(setNewReplicaSetAnnotations(d, fresh, 1, false));
    assert.deepEqual(fresh.metadata!.annotations, {
      'kubernetes.io/change-cause': 'undo',
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    assert.ok(!setNewReplicaSetAnnotations(d, fresh, 1, true), 'nothing to change the second time');
    assert.ok(setNewReplicaSetAnnotations(d, fresh, 3, true));
    assert.equal(fresh.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal((fresh.metadata!.annotations as Record<string, string>)[REVISION_HISTORY_ANNOTATION], '1');
    setNewReplicaSetAnnotations(d, fresh, 5, true);
    assert.equal((fresh.metadata!.annotations as Record<string, string>)[REVISION_HISTORY_ANNOTATION], '1,3');
  });

  test('status counts and the Available condition', () => {
    const d = deployment(3);
    const status = calculateDeploymentStatus(d, [rs('old', 1, 1), rs('new', 3, 1)], rs('new', 3, 1), NOW);
    assert.deepEqual({ ...status, conditions: undefined }, {
      observedGeneration: 2, replicas: 4, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1, conditions: undefined,
    });
    assert.deepEqual(status.conditions!.map((c) => [c.type, c.status, c.reason]), [['Available', 'True', 'MinimumReplicasAvailable']]);
    const low = calculateDeploymentStatus(d, [rs('new', 3, 1)], rs('new', 3, 1), NOW);
    assert.deepEqual(low.conditions!.map((c) => [c.type, c.status, c.reason]), [['Available', 'False', 'MinimumReplicasUnavailable']]);
  });

  test('complete, progressing and timed out', () => {
    const d = deployment(3);
    d.status = { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 };
    const done: DeploymentStatus = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };
    assert.ok(deploymentComplete(d, done));
    assert.ok(!deploymentComplete(d, { ...done, observedGeneration: 1 }), 'an older generation is not complete');
    assert.ok(!deploymentComplete(d, { ...done, replicas: 4 }), 'old pods still there');
    assert.ok(deploymentProgressing(d, { replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }), 'more updated');
    assert.ok(deploymentProgressing(d, { replicas: 3, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 }), 'fewer old');
    assert.ok(!deploymentProgressing(d, { ...d.status }), 'nothing moved');
    const stalled: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', '', NOW - 601_000)] };
    assert.ok(deploymentTimedOut(d, stalled, NOW));
    assert.ok(!deploymentTimedOut(d, stalled, NOW - 2000));
  });

  test('setCondition keeps an equal condition and the transition time of an equal status', () => {
    const status: DeploymentStatus = {};
    setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'a', NOW));
    setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'b', NOW + 5000));
    assert.equal(status.conditions![0].message, 'a');
    setCondition(status, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'c', NOW + 5000));
    assert.equal(status.conditions!.length, 1);
    assert.equal(status.conditions![0].reason, 'ReplicaSetUpdated');
    assert.equal(status.conditions![0].lastTransitionTime, '2026-01-01T00:10:00Z');
    assert.equal(status.conditions![0].lastUpdateTime, '2026-01-01T00:10:05Z');
  });
});
