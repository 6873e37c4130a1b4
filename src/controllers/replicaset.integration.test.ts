import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { ApiError, EventRecorder, InformerFactory, loadKubeconfig, NodeHttpTransport, realClock, RestClient, type KubeObject, type ResourceRef, type WriteOptions } from '../client/index.ts';
import { DEFAULT_CONTROLLER_MANAGER_OPTIONS } from './controller.ts';
import { replicaSetController } from './replicaset.ts';
import { createNamespace, livePods, markReady, PODS, startWorkloadCluster, waitFor, type WorkloadCluster } from './workload-cluster.test-support.ts';

const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;

describe('ReplicaSet controller (real API server)', () => {
  let w: WorkloadCluster;
  before(async () => {
    w = await startWorkloadCluster([replicaSetController]);
  });
  after(async () => {
    await w?.cleanup();
  });

  const pod = (name: string, labels: Record<string, string>): Pod => ({
    metadata: { name, namespace: 'sel', labels },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });

  test('matchExpressions (In, NotIn, Exists) select exactly the right pods', async () => {
    await createNamespace(w, 'sel');
    const matching = { a: pod('in-x', { tier: 'front', env: 'prod', role: 'db' }), b: pod('in-y', { tier: 'back', env: 'dev', role: '' }) };
    const others = [
      pod('tier-z', { tier: 'z', env: 'prod', role: 'db' }), // In fails
      pod('env-test', { tier: 'front', env: 'test', role: 'db' }), // NotIn fails
      pod('no-role', { tier: 'front', env: 'prod' }), // Exists fails
    ];
    for (const p of [...Object.values(matching), ...others]) await w.client.create(PODS, p);
    await w.kubectl(['apply', '--validate=false', '-f', '-'], `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: picky
  namespace: sel
spec:
  replicas: 3
  minReadySeconds: 0
  selector:
    matchExpressions:
    - {key: tier, operator: In, values: [front, back]}
    - {key: env, operator: NotIn, values: [test]}
    - {key: role, operator: Exists}
  template:
    metadata:
      labels: {tier: front, env: prod, role: web}
    spec:
      containers:
      - name: c
        image: busybox
`);
    const rs = await w.client.get<ReplicaSet>(REPLICASETS, 'sel', 'picky');
    const owned = async () => (await livePods(w.client, 'sel')).filter((p) => p.metadata!.ownerReferences?.[0]?.uid === rs.metadata!.uid);
    await waitFor('3 owned pods', async () => (await owned()).length === 3);
    const names = (await owned()).map((p) => p.metadata!.name!);
    assert.ok(names.includes('in-x') && names.includes('in-y'), `adopted: ${names}`);
    assert.equal(names.filter((n) => n.startsWith('picky-')).length, 1);
    for (const name of ['tier-z', 'env-test', 'no-role']) {
      const p = await w.client.get<Pod>(PODS, 'sel', name);
      assert.equal(p.metadata!.ownerReferences, undefined, `${name} must not be adopted`);
    }

    for (const p of await owned()) await markReady(w.client, p);
    await waitFor('status counts', async () => {
      const s = (await w.client.get<ReplicaSet>(REPLICASETS, 'sel', 'picky')).status;
      return s?.replicas === 3 && s.readyReplicas === 3 && s.availableReplicas === 3 && s.fullyLabeledReplicas === 1 && s.observedGeneration === 1;
    });

    await w.kubectl(['scale', '-n', 'sel', 'rs/picky', '--replicas=1']);
    await waitFor('1 owned pod', async () => (await owned()).length === 1);
  });

  test('surplus pods are removed unscheduled and not-ready first', async () => {
    await createNamespace(w, 'rank');
    await w.client.create(findResource('', 'v1', 'nodes')!, { metadata: { name: 'node-a' } });
    const base = { namespace: 'rank', labels: { app: 'r' } };
    const spec = (nodeName?: string) => ({ containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) });
    await w.client.create(PODS, { metadata: { name: 'bound-ready', ...base }, spec: spec('node-a') });
    await w.client.create(PODS, { metadata: { name: 'bound-unready', ...base }, spec: spec('node-a') });
    await w.client.create(PODS, { metadata: { name: 'unbound', ...base }, spec: spec() });
    await markReady(w.client, await w.client.get<Pod>(PODS, 'rank', 'bound-ready'));
    await w.client.create(REPLICASETS, {
      metadata: { name: 'r', namespace: 'rank' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'r' } }, template: { metadata: { labels: { app: 'r' } }, spec: spec() } },
    });
    await waitFor('only the bound ready pod left', async () => {
      const pods = await livePods(w.client, 'rank');
      return pods.length === 1 && pods[0].metadata!.name === 'bound-ready';
    });
  });

  test('pods the API server refuses are tried in slow-start batches and reported as ReplicaFailure', async () => {
    await createNamespace(w, 'bad');
    let attempts = 0;
    /** The API answering every pod creation with 403, as an exhausted quota would. */
    class PodsForbidden extends RestClient {
      override async create<T extends KubeObject>(r: ResourceRef, obj: T, options?: WriteOptions): Promise<T> {
        if (r.plural !== 'pods') return super.create(r, obj, options);
        attempts++;
        throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods "bad-x" is forbidden: exceeded quota' });
      }
    }
    const client = new PodsForbidden(new NodeHttpTransport(await loadKubeconfig(w.cluster.plane.kubeconfigPath)));
    const informers = new InformerFactory(client, { log: () => {} });
    const controller = replicaSetController({
      client,
      informers: informers,
      recorder: (component) => new EventRecorder(client, { component, log: () => {} }),
      clock: realClock,
      log: () => {},
      options: { ...DEFAULT_CONTROLLER_MANAGER_OPTIONS, concurrentSyncs: 1 },
    });
    informers.start();
    await informers.waitForSync();
    const stop = new AbortController();
    const running = controller.run(stop.signal);
    try {
      await client.create(REPLICASETS, {
        metadata: { name: 'bad', namespace: 'bad' },
        spec: { replicas: 50, selector: { matchLabels: { app: 'bad' } }, template: { metadata: { labels: { app: 'bad' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      });
      let condition: { reason?: string; message?: string } | undefined;
      await waitFor('ReplicaFailure', async () => {
        const rs = await client.get<ReplicaSet>(REPLICASETS, 'bad', 'bad');
        condition = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
        return !!condition;
      });
      assert.ok(attempts < 10, `${attempts} creations attempted: slow start should stop at the first failed batch`);
      assert.equal(condition!.reason, 'FailedCreate');
      assert.match(condition!.message!, /exceeded quota/);
    } finally {
      stop.abort();
      await running;
      informers.stop();
      client.close();
    }
  });
});
