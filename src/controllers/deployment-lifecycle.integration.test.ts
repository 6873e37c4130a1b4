import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { findResource } from '../api/catalogue.ts';
import { deploymentController } from './deployment.ts';
import { replicaSetController } from './replicaset.ts';
import { createNamespace, fakeKubelet, livePods, startWorkloadCluster, waitFor, type WorkloadCluster } from './workload-cluster.test-support.ts';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;

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

describe('Deployment lifecycle: scale, pause, resume, restart, history (real API server, real kubectl)', () => {
  let w: WorkloadCluster;
  before(async () => {
    w = await startWorkloadCluster([replicaSetController, deploymentController]);
  });
  after(async () => {
    await w?.cleanup();
  });

  const get = (ns: string) => w.client.get<Deployment>(DEPLOYMENTS, ns, 'app');
  const rollout = (ns: string) => w.kubectl(['rollout', 'status', '-n', ns, 'deployment/app', '--timeout=30s']);
  const replicaSets = async (ns: string) => (await w.client.list<ReplicaSet>(REPLICASETS, ns)).items;
  const images = async (ns: string) => (await livePods(w.client, ns)).map((p) => p.spec!.containers[0].image).sort();

  test('scale, pause (no rollout while paused), resume, restart', async () => {
    await createNamespace(w, 'life');
    const kubelet = fakeKubelet(w, 'life');
    try {
      await w.client.create(DEPLOYMENTS, deployment('life'));
      await rollout('life');
      await w.kubectl(['scale', '-n', 'life', 'deployment/app', '--replicas=4']);
      await rollout('life');
      assert.equal((await livePods(w.client, 'life')).length, 4);
      await w.kubectl(['scale', '-n', 'life', 'deployment/app', '--replicas=2']);
      await waitFor('2 pods', async () => (await livePods(w.client, 'life')).length === 2);

      await w.kubectl(['rollout', 'pause', '-n', 'life', 'deployment/app']);
      await w.kubectl(['set', 'image', '-n', 'life', 'deployment/app', 'main=img:2']);
      await waitFor('the paused change observed', async () => {
        const d = await get('life');
        const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
        return d.status?.observedGeneration === d.metadata?.generation && progressing?.reason === 'DeploymentPaused' && progressing.status === 'Unknown';
      });
      assert.equal((await replicaSets('life')).length, 1, 'no new ReplicaSet while paused');
      assert.deepEqual(await images('life'), ['img:1', 'img:1']);

      await w.kubectl(['rollout', 'resume', '-n', 'life', 'deployment/app']);
      await rollout('life');
      await waitFor('img:2 everywhere', async () => (await images('life')).join() === 'img:2,img:2');

      await w.kubectl(['rollout', 'restart', '-n', 'life', 'deployment/app']);
      await rollout('life');
      const d = await get('life');
      assert.ok(d.spec!.template.metadata!.annotations!['kubectl.kubernetes.io/restartedAt']);
      assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
      await waitFor('restarted pods only', async () => {
        const pods = await livePods(w.client, 'life');
        return pods.length === 2 && pods.every((p) => p.metadata!.annotations?.['kubectl.kubernetes.io/restartedAt']);
      });

      await w.kubectl(['rollout', 'undo', '-n', 'life', 'deployment/app', '--to-revision=1']);
      await rollout('life');
      await waitFor('img:1 everywhere', async () => (await images('life')).join() === 'img:1,img:1');
      assert.equal((await get('life')).metadata!.annotations!['deployment.kubernetes.io/revision'], '4');
      assert.match(await w.kubectl(['rollout', 'history', '-n', 'life', 'deployment/app', '--revision=4']), /img:1/);
    } finally {
      kubelet.stop();
    }
  });

  test('revisionHistoryLimit removes the oldest scaled-down ReplicaSets', async () => {
    await createNamespace(w, 'history');
    const kubelet = fakeKubelet(w, 'history');
    try {
      await w.client.create(DEPLOYMENTS, deployment('history', { revisionHistoryLimit: 1, replicas: 1 }));
      for (const image of ['img:2', 'img:3', 'img:4']) {
        await rollout('history');
        await w.kubectl(['set', 'image', '-n', 'history', 'deployment/app', `main=${image}`]);
      }
      await rollout('history');
      await waitFor('two ReplicaSets left', async () => (await replicaSets('history')).length === 2);
      const revisions = (await replicaSets('history')).map((rs) => rs.metadata!.annotations!['deployment.kubernetes.io/revision']).sort();
      assert.deepEqual(revisions, ['3', '4']);
    } finally {
      kubelet.stop();
    }
  });
});
