import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromStorageVersion, toStorageVersion } from './index.ts';

const v1 = { group: 'autoscaling', plural: 'horizontalpodautoscalers', version: 'v1' };
const v2 = { ...v1, version: 'v2' };

describe('HorizontalPodAutoscaler versions', () => {
  test('a v1 CPU target is a v2 Resource metric, and back', () => {
    const obj = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 35 },
    };
    const stored = toStorageVersion(v1, obj);
    assert.equal(stored.apiVersion, 'autoscaling/v2');
    assert.deepEqual(stored.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    assert.deepEqual(stored.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }]);
    assert.deepEqual(fromStorageVersion(v1, stored), obj);
  });

  test('the storage version passes through', () => {
    const obj = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { behavior: {} } };
    assert.equal(toStorageVersion(v2, obj), obj);
    assert.equal(fromStorageVersion(v2, obj), obj);
  });
});
