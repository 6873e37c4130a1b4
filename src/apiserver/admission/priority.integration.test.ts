import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import { ApiError } from '../../client/api-error.ts';
import { startTestCluster, type TestCluster } from '../../client/control-plane.test-support.ts';

const PODS = findResource('', 'v1', 'pods')!;
const CLASSES = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;
const suffix = Math.random().toString(36).slice(2, 8);

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

describe('Priority admission through the API server', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await cluster?.cleanup();
  });

  test('a pod gets the value and preemption policy of its PriorityClass', async () => {
    await cluster.client.create(CLASSES, { metadata: { name: `polite-${suffix}` }, value: 1000, preemptionPolicy: 'Never' } as never);
    const created = await cluster.client.create<Pod>(PODS, pod('named', { priorityClassName: `polite-${suffix}` }));
    assert.equal(created.spec?.priority, 1000);
    assert.equal(created.spec?.preemptionPolicy, 'Never');
  });

  test('a PriorityClass that does not exist is Forbidden', async () => {
    await assert.rejects(cluster.client.create<Pod>(PODS, pod('x', { priorityClassName: 'high' })), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 403);
      assert.equal(err.reason, 'Forbidden');
      assert.equal(err.message, 'pods "x" is forbidden: no PriorityClass with name high was found');
      return true;
    });
  });

  test('without a class the globalDefault one applies', async () => {
    const plain = await cluster.client.create<Pod>(PODS, pod('before-default'));
    assert.equal(plain.spec?.priority, 0);
    await cluster.client.create(CLASSES, { metadata: { name: `default-${suffix}` }, value: 50, globalDefault: true } as never);
    const created = await cluster.client.create<Pod>(PODS, pod('after-default'));
    assert.equal(created.spec?.priorityClassName, `default-${suffix}`);
    assert.equal(created.spec?.priority, 50);
    assert.equal(created.spec?.preemptionPolicy, 'PreemptLowerPriority');
  });

  test('system classes resolve to their fixed values', async () => {
    const created = await cluster.client.create<Pod>(PODS, pod('critical', { priorityClassName: 'system-cluster-critical' }));
    assert.equal(created.spec?.priority, 2000000000);
  });
});
