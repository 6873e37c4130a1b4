import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { replicationControllerController } from './replication-controller.ts';
import { livePods, PODS, startWorkloadCluster, waitFor, type WorkloadCluster } from './workload-cluster.test-support.ts';

const RCS = findResource('', 'v1', 'replicationcontrollers')!;

const manifest = `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
`;

describe('ReplicationController controller (real API server, real kubectl)', () => {
  let w: WorkloadCluster;
  before(async () => {
    w = await startWorkloadCluster([replicationControllerController]);
  });
  after(async () => {
    await w?.cleanup();
  });

  const count = async () => (await livePods(w.client, 'default', 'app=web')).length;

  test('keeps spec.replicas pods through create, scale, pod deletion and a hand-made pod', async () => {
    await w.kubectl(['create', '--validate=false', '-f', '-'], manifest);
    await waitFor('3 pods', async () => (await count()) === 3);
    const rc = await w.client.get<ReplicationController>(RCS, 'default', 'web');
    for (const pod of await livePods(w.client, 'default', 'app=web')) {
      assert.match(pod.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata!.ownerReferences, [
        { apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata!.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    await waitFor('status.replicas 3', async () => {
      const s = (await w.client.get<ReplicationController>(RCS, 'default', 'web')).status;
      return s?.replicas === 3 && s.fullyLabeledReplicas === 3 && s.observedGeneration === 1;
    });

    await w.kubectl(['scale', 'rc', 'web', '--replicas=5']);
    await waitFor('5 pods', async () => (await count()) === 5);
    await w.kubectl(['scale', 'rc', 'web', '--replicas=2']);
    await waitFor('2 pods', async () => (await count()) === 2);

    const [victim] = await livePods(w.client, 'default', 'app=web');
    await w.kubectl(['delete', 'pod', victim.metadata!.name!]);
    await waitFor('a replacement pod', async () => {
      const pods = await livePods(w.client, 'default', 'app=web');
      return pods.length === 2 && pods.every((p) => p.metadata!.name !== victim.metadata!.name);
    });

    await w.client.create(PODS, {
      metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    await waitFor('the stray adopted and the surplus removed', async () => {
      const pods = await livePods(w.client, 'default', 'app=web');
      return pods.length === 2 && pods.every((p) => p.metadata!.ownerReferences?.[0]?.uid === rc.metadata!.uid);
    });
    // Stable: no pod is created to replace the one removed.
    const settled = await livePods(w.client, 'default', 'app=web');
    await waitFor('status.replicas 2', async () => (await w.client.get<ReplicationController>(RCS, 'default', 'web')).status?.replicas === 2);
    assert.deepEqual((await livePods(w.client, 'default', 'app=web')).map((p) => p.metadata!.name).sort(), settled.map((p) => p.metadata!.name).sort());

    await waitFor('SuccessfulCreate and SuccessfulDelete events', async () => {
      const events = await w.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={.items[*].reason}']);
      return /SuccessfulCreate/.test(events) && /SuccessfulDelete/.test(events);
    });
  });

  test('a pod whose labels stop matching is released and replaced', async () => {
    const [pod] = await livePods(w.client, 'default', 'app=web');
    await w.kubectl(['label', 'pod', pod.metadata!.name!, 'app=other', '--overwrite']);
    await waitFor('the pod released and replaced', async () => {
      const released = await w.client.get<typeof pod>(PODS, 'default', pod.metadata!.name!);
      return !released.metadata?.ownerReferences?.length && (await count()) === 2;
    });
  });
});
