import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { calculateReplicaStatus, replicaStatusChanged, type ReplicatedObject } from './replica-status.ts';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function pod(labels: Record<string, string>, readySince?: string): Pod {
  return { metadata: { labels }, spec: { containers: [] }, status: { conditions: readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] : [] } };
}

function owner(minReadySeconds = 0, conditions?: ReplicatedObject['status']): ReplicatedObject {
  return {
    metadata: { name: 'rs', generation: 4 },
    spec: { replicas: 3, minReadySeconds, template: { metadata: { labels: { app: 'web', tier: 'fe' } } } },
    status: conditions,
  };
}

describe('replica status', () => {
  test('counts replicas, fully labelled, ready and available (with minReadySeconds)', () => {
    const pods = [
      pod({ app: 'web', tier: 'fe' }, '2026-01-01T00:09:55Z'), // ready 5 s
      pod({ app: 'web', tier: 'fe', extra: 'x' }, '2026-01-01T00:00:00Z'), // ready 10 min
      pod({ app: 'web' }), // not ready, missing a template label
    ];
    assert.deepEqual(calculateReplicaStatus(owner(0), pods, undefined, NOW), { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 4 });
    assert.equal(calculateReplicaStatus(owner(30), pods, undefined, NOW).availableReplicas, 1);
  });

  test('ReplicaFailure is set on failure, kept while failing, and removed once it works', () => {
    const failing = calculateReplicaStatus(owner(), [], { scalingUp: true, message: 'forbidden' }, NOW);
    assert.deepEqual(failing.conditions, [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: '2026-01-01T00:10:00Z', reason: 'FailedCreate', message: 'forbidden' }]);
    const again = calculateReplicaStatus(owner(0, failing), [], { scalingUp: true, message: 'forbidden' }, NOW + 60_000);
    assert.deepEqual(again.conditions, failing.conditions);
    assert.ok(!replicaStatusChanged(failing, again));
    const healed = calculateReplicaStatus(owner(0, failing), [], undefined, NOW);
    assert.equal(healed.conditions, undefined);
    assert.ok(replicaStatusChanged(failing, healed));
    assert.equal(calculateReplicaStatus(owner(), [], { scalingUp: false, message: 'x' }, NOW).conditions![0].reason, 'FailedDelete');
  });
});
