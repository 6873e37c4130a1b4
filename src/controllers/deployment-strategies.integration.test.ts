import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { findResource } from '../api/catalogue.ts';
import { deploymentController } from './deployment.ts';
import { replicaSetController } from './replicaset.ts';
import { createNamespace, fakeKubelet, livePods, startWorkloadCluster, waitFor, type WorkloadCluster } from './workload-cluster.test-support.ts';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;

function deployment(namespace: string, spec: Record<string, unknown> = {}): Deployment {
  return {
    metadata: { name: 'app', namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'main', image: 'img:1' }] } },
      ...spec,
    },
  };
}

describe('Deployment Recreate strategy and progress deadline (real API server, real kubectl)', () => {
  let w: WorkloadCluster;
  before(async () => {
    w = await startWorkloadCluster([replicaSetController, deploymentController]);
  });
  after(async () => {
    await w?.cleanup();
  });

  const get = (ns: string) => w.client.get<Deployment>(DEPLOYMENTS, ns, 'app');
  const rollout = (ns: string) => w.kubectl(['rollout', 'status', '-n', ns, 'deployment/app', '--timeout=30s']);
  const images = async (ns: string) => (await livePods(w.client, ns)).map((p) => p.spec!.containers[0].image).sort();

  test('Recreate never runs old and new pods together', async () => {
    await createNamespace(w, 'recreate');
    const kubelet = fakeKubelet(w, 'recreate');
    try {
      await w.client.create(DEPLOYMENTS, deployment('recreate', { strategy: { type: 'Recreate' } }));
      await rollout('recreate');
      await w.kubectl(['set', 'image', '-n', 'recreate', 'deployment/app', 'main=img:2']);
      await rollout('recreate');
      assert.deepEqual(await images('recreate'), ['img:2', 'img:2']);
      const mixed = kubelet.moments.filter((m) => m.images.length > 1);
      assert.deepEqual(mixed, [], 'old and new pods at the same moment');
    } finally {
      kubelet.stop();
    }
  });

  test('a rollout that makes no progress within progressDeadlineSeconds is reported, and rollout status fails', async () => {
    await createNamespace(w, 'stuck');
    await w.client.create(DEPLOYMENTS, deployment('stuck', { progressDeadlineSeconds: 1 }));
    // Nobody marks the pods Ready.
    await waitFor('ProgressDeadlineExceeded', async () => {
      const p = (await get('stuck')).status?.conditions?.find((c) => c.type === 'Progressing');
      return p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded';
    });
    const d = await get('stuck');
    const available = d.status!.conditions!.find((c) => c.type === 'Available')!;
    assert.deepEqual([available.status, available.reason], ['False', 'MinimumReplicasUnavailable']);
    await assert.rejects(rollout('stuck'), /exceeded its progress deadline/);
  });
});
