import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { newCondition } from './deployment-util.ts';
import { rolloutStatus } from './deployment-progress.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function deployment(status: DeploymentStatus, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    metadata: { name: 'web', generation: 2 },
    spec: { replicas: 2, selector: {}, template: {}, progressDeadlineSeconds: 60, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, ...extra },
    status,
  };
}

function rs(name: string, replicas: number, available: number): ReplicaSet {
  return { metadata: { name }, spec: { replicas, selector: {} }, status: { replicas, readyReplicas: available, availableReplicas: available } };
}

const progressing = (reason: string, at: number) => newCondition('Progressing', 'True', reason, '', at);
const summary = (s: DeploymentStatus) => s.conditions!.filter((c) => c.type === 'Progressing').map((c) => `${c.status}/${c.reason}: ${c.message}`);

describe('rollout status and the Progressing condition', () => {
  test('progress is reported as ReplicaSetUpdated with a fresh lastUpdateTime and a recheck before the deadline', () => {
    const d = deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 2, conditions: [progressing('NewReplicaSetCreated', T0)] });
    const { status, recheckAfterMs } = rolloutStatus(d, [rs('old', 1, 1), rs('new', 2, 1)], rs('new', 2, 1), T0 + 10_000);
    assert.deepEqual(summary(status), ['True/ReplicaSetUpdated: ReplicaSet "new" is progressing.']);
    const cond = status.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(cond.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(cond.lastUpdateTime, '2026-01-01T00:00:10Z');
    assert.equal(recheckAfterMs, 61_000);
  });

  test('complete: NewReplicaSetAvailable, and no recheck', () => {
    const d = deployment({ conditions: [progressing('ReplicaSetUpdated', T0)] });
    const { status, recheckAfterMs } = rolloutStatus(d, [rs('old', 0, 0), rs('new', 2, 2)], rs('new', 2, 2), T0 + 1000);
    assert.deepEqual(summary(status), ['True/NewReplicaSetAvailable: ReplicaSet "new" has successfully progressed.']);
    assert.equal(recheckAfterMs, undefined);
  });

  test('no progress past the deadline: ProgressDeadlineExceeded', () => {
    const d = deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 2, readyReplicas: 2, conditions: [progressing('ReplicaSetUpdated', T0)] });
    const stalled = [rs('old', 2, 2), rs('new', 1, 0)];
    assert.deepEqual(summary(rolloutStatus(d, stalled, stalled[1], T0 + 59_000).status), ['True/ReplicaSetUpdated: '], 'not yet');
    assert.deepEqual(summary(rolloutStatus(d, stalled, stalled[1], T0 + 61_000).status), ['False/ProgressDeadlineExceeded: ReplicaSet "new" has timed out progressing.']);
  });

  test('paused or without a deadline: the condition is left alone or dropped', () => {
    const paused = deployment({ conditions: [newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', T0)] }, { paused: true });
    assert.deepEqual(summary(rolloutStatus(paused, [rs('new', 1, 0)], rs('new', 1, 0), T0 + 999_000).status), ['Unknown/DeploymentPaused: Deployment is paused']);
    const none = deployment({ conditions: [progressing('ReplicaSetUpdated', T0)] }, { progressDeadlineSeconds: 2147483647 });
    assert.deepEqual(summary(rolloutStatus(none, [rs('new', 1, 0)], rs('new', 1, 0), T0).status), []);
  });
});
