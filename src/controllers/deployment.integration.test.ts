import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { deploymentController } from './deployment.ts';
import { isPodReady } from './pod-util.ts';
import { replicaSetController } from './replicaset.ts';
import { createNamespace, fakeKubelet, markReady, PODS, startWorkloadCluster, waitFor, type WorkloadCluster } from './workload-cluster.test-support.ts';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;

function manifest(name: string, namespace: string, extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 50%
      maxUnavailable: 50%
${extra}  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: nginx
        image: nginx:1.24
`;
}

describe('Deployment controller (real API server, real kubectl)', () => {
  let w: WorkloadCluster;
  before(async () => {
    w = await startWorkloadCluster([replicaSetController, deploymentController]);
  });
  after(async () => {
    await w?.cleanup();
  });

  const images = async (ns: string, app: string) =>
    (await w.client.list<Pod>(PODS, ns, { labelSelector: `app=${app}` })).items
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => p.spec!.containers[0].image)
      .sort();
  const replicaSets = async (ns: string) => (await w.client.list<ReplicaSet>(REPLICASETS, ns)).items;

  test('rolls A → B within maxSurge/maxUnavailable, rollout undo returns to A, rollout status ends', async () => {
    await createNamespace(w, 'roll');
    const kubelet = fakeKubelet(w, 'roll');
    try {
      await w.kubectl(['create', '--validate=false', '-f', '-'], manifest('web', 'roll'));
      await w.kubectl(['rollout', 'status', '-n', 'roll', 'deployment/web', '--timeout=30s']);
      assert.deepEqual(await images('roll', 'web'), ['nginx:1.24', 'nginx:1.24', 'nginx:1.24']);

      await w.kubectl(['set', 'image', '-n', 'roll', 'deployment/web', 'nginx=nginx:1.25']);
      const out = await w.kubectl(['rollout', 'status', '-n', 'roll', 'deployment/web', '--timeout=30s']);
      assert.match(out, /successfully rolled out/);
      assert.deepEqual(await images('roll', 'web'), ['nginx:1.25', 'nginx:1.25', 'nginx:1.25']);

      await w.kubectl(['rollout', 'undo', '-n', 'roll', 'deployment/web']);
      await w.kubectl(['rollout', 'status', '-n', 'roll', 'deployment/web', '--timeout=30s']);
      assert.deepEqual(await images('roll', 'web'), ['nginx:1.24', 'nginx:1.24', 'nginx:1.24']);

      // 3 replicas, maxSurge 50% → 2 (rounded up), maxUnavailable 50% → 1 (rounded down).
      const afterFirstRollout = kubelet.moments.slice(kubelet.moments.findIndex((m) => m.ready === 3));
      assert.ok(Math.max(...kubelet.moments.map((m) => m.total)) <= 5, `more than 5 pods at once: ${JSON.stringify(kubelet.moments)}`);
      assert.ok(Math.min(...afterFirstRollout.map((m) => m.ready)) >= 2, `fewer than 2 ready pods at once: ${JSON.stringify(afterFirstRollout)}`);
    } finally {
      kubelet.stop();
    }

    const d = await w.client.get<Deployment>(DEPLOYMENTS, 'roll', 'web');
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.deepEqual(
      {
        replicas: d.status!.replicas,
        updatedReplicas: d.status!.updatedReplicas,
        readyReplicas: d.status!.readyReplicas,
        availableReplicas: d.status!.availableReplicas,
        unavailableReplicas: d.status!.unavailableReplicas,
        observedGeneration: d.status!.observedGeneration,
      },
      { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0, observedGeneration: d.metadata!.generation },
    );
    const conditions = Object.fromEntries(d.status!.conditions!.map((c) => [c.type, `${c.status}/${c.reason}`]));
    assert.deepEqual(conditions, { Available: 'True/MinimumReplicasAvailable', Progressing: 'True/NewReplicaSetAvailable' });

    const rsList = await replicaSets('roll');
    assert.equal(rsList.length, 2, JSON.stringify(rsList.map((rs) => [rs.metadata, rs.spec!.template])));
    const byRevision = Object.fromEntries(rsList.map((rs) => [rs.metadata!.annotations!['deployment.kubernetes.io/revision'], rs]));
    assert.deepEqual(Object.keys(byRevision).sort(), ['2', '3']);
    assert.equal(byRevision['3'].metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(byRevision['3'].spec!.template!.spec!.containers[0].image, 'nginx:1.24');
    assert.equal(byRevision['2'].spec!.replicas, 0);
    for (const rs of rsList) {
      const hash = rs.metadata!.labels!['pod-template-hash'];
      assert.equal(rs.metadata!.name, `web-${hash}`);
      assert.equal(rs.spec!.selector.matchLabels!['pod-template-hash'], hash);
    }
    const history = await w.kubectl(['rollout', 'history', '-n', 'roll', 'deployment/web']);
    assert.match(history, /^2\s/m);
    assert.match(history, /^3\s/m);
    await waitFor('ScalingReplicaSet events', async () => {
      const events = await w.kubectl(['get', 'events', '-n', 'roll', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={.items[*].message}']);
      return /Scaled up replica set web-\w+ from 0 to 2/.test(events) && /Scaled down replica set web-\w+ from \d to \d/.test(events);
    });
  });

  test('a controller manager stopped mid-rollout and started again converges with no duplicate pods', async () => {
    await createNamespace(w, 'crash');
    const kubelet = fakeKubelet(w, 'crash');
    try {
      await w.kubectl(['create', '--validate=false', '-f', '-'], manifest('api', 'crash'));
      await w.kubectl(['rollout', 'status', '-n', 'crash', 'deployment/api', '--timeout=30s']);
      // New pods stay unready, so the rollout stalls half way.
      kubelet.setReadying(false);
      await w.kubectl(['set', 'image', '-n', 'crash', 'deployment/api', 'nginx=nginx:1.25']);
      await waitFor('new pods created', async () => (await images('crash', 'api')).includes('nginx:1.25'));
      await w.stopControllers();
      await w.startControllers();
      kubelet.setReadying(true);
      for (const pod of (await w.client.list<Pod>(PODS, 'crash')).items) if (!isPodReady(pod)) await markReady(w.client, pod);
      await w.kubectl(['rollout', 'status', '-n', 'crash', 'deployment/api', '--timeout=30s']);
      await waitFor('old pods gone', async () => (await images('crash', 'api')).join() === 'nginx:1.25,nginx:1.25,nginx:1.25');
      assert.equal((await replicaSets('crash')).length, 2);
      assert.ok(Math.max(...kubelet.moments.map((m) => m.total)) <= 5);
    } finally {
      kubelet.stop();
    }
  });
});
