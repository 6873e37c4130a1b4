/**
 * The garbage collector against a real API server, driven by the real kubectl's
 * `delete --cascade=orphan|background|foreground`, as issue #3's acceptance asks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isNotFound, type KubeObject, type RestClient } from '../client/index.ts';
import { waitFor } from '../client/control-plane.test-support.ts';
import { startControlPlane, type ControlPlane } from '../index.ts';
import { garbageCollectorController } from './garbage-collector.ts';
import { startControllers } from './test-harness.test-support.ts';

const run = promisify(execFile);
const PODS = findResource('', 'v1', 'pods')!;
const RS = findResource('apps', 'v1', 'replicasets')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const NS = 'default';

let dataDir: string;
let plane: ControlPlane;
let controllers: { client: RestClient; stop(): Promise<void> };
let client: RestClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'skiff-gc-'));
  // The API server adds the orphan / foregroundDeletion finalizers only when told a collector
  // runs; here the collector runs under the test's harness, not in-process.
  const options = { dataDir, port: 0, controllers: false, garbageCollector: true };
  plane = await startControlPlane(options);
  controllers = await startControllers(plane.kubeconfigPath, [garbageCollectorController]);
  client = controllers.client;
});

after(async () => {
  await controllers?.stop();
  await plane?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', plane.kubeconfigPath, '--cache-dir', join(dataDir, 'kubectl-cache'), ...args], { timeout: 20_000 });
  return stdout;
}

function ownedBy(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

async function createReplicaSet(name: string, owner?: KubeObject): Promise<KubeObject> {
  const labels = { app: name };
  return client.create(RS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS, labels, ...(owner ? { ownerReferences: [ownedBy(owner)] } : {}) },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  } as KubeObject);
}

/** Pods as a ReplicaSet controller would make them (none runs here: the test plays it). */
async function createPods(owner: KubeObject, count: number): Promise<Pod[]> {
  const pods: Pod[] = [];
  for (let i = 0; i < count; i++) {
    const pod: Pod = {
      metadata: { name: `${owner.metadata!.name}-${i}`, namespace: NS, labels: { app: owner.metadata!.name! }, ownerReferences: [ownedBy(owner)] },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    pods.push(await client.create(PODS, pod));
  }
  return pods;
}

async function exists(r: typeof PODS, name: string): Promise<boolean> {
  try {
    await client.get(r, NS, name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

describe('garbage collector', () => {
  test('kubectl delete --cascade=orphan leaves the pods, without their ownerReferences', async () => {
    const rs = await createReplicaSet('orphaned');
    await createPods(rs, 2);
    await kubectl('delete', 'replicaset', 'orphaned', '--cascade=orphan');
    assert.equal(await exists(RS, 'orphaned'), false);
    for (const name of ['orphaned-0', 'orphaned-1']) {
      const pod = await client.get<Pod>(PODS, NS, name);
      assert.equal(pod.metadata?.deletionTimestamp, undefined);
      assert.deepEqual(pod.metadata?.ownerReferences ?? [], []);
    }
  });

  test('kubectl delete --cascade=background deletes the pods after the ReplicaSet', async () => {
    const rs = await createReplicaSet('background');
    await createPods(rs, 2);
    await kubectl('delete', 'replicaset', 'background', '--cascade=background');
    await waitFor('the pods of a deleted ReplicaSet to be deleted', async () => !(await exists(PODS, 'background-0')) && !(await exists(PODS, 'background-1')));
  });

  test('kubectl delete --cascade=foreground deletes the pods first, then the ReplicaSet, then the Deployment', async () => {
    const deployment = await client.create(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fg', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'fg' } }, template: { metadata: { labels: { app: 'fg' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    } as KubeObject);
    const rs = await createReplicaSet('fg-rs', deployment);
    const [held] = await createPods(rs, 2);
    // A finalizer of the test's own keeps one pod (a blocking dependent) around until released.
    await client.patch(PODS, NS, held.metadata!.name!, { metadata: { finalizers: ['example.com/hold'] } }, 'merge');
    await kubectl('delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false');
    await waitFor('the held pod to be marked for deletion', async () => !!(await client.get<Pod>(PODS, NS, 'fg-rs-0')).metadata?.deletionTimestamp);
    await waitFor('the other pod to be deleted', async () => !(await exists(PODS, 'fg-rs-1')));
    const waiting = await client.get(DEPLOYMENTS, NS, 'fg');
    assert.ok(waiting.metadata?.deletionTimestamp, 'the Deployment is being deleted');
    assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);
    assert.deepEqual((await client.get(RS, NS, 'fg-rs')).metadata?.finalizers, ['foregroundDeletion']);

    await client.patch(PODS, NS, 'fg-rs-0', { metadata: { finalizers: null } }, 'merge');
    await waitFor('the Deployment to be gone', async () => !(await exists(DEPLOYMENTS, 'fg')));
    assert.equal(await exists(RS, 'fg-rs'), false);
    assert.equal(await exists(PODS, 'fg-rs-0'), false);
  });

  test('a dependent whose owner never existed is deleted; one with a live owner stays', async () => {
    const live = await createReplicaSet('alive');
    const ghost = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: '6f0c1a52-0000-4000-8000-000000000000' };
    await client.create(PODS, { metadata: { name: 'haunted', namespace: NS, ownerReferences: [ghost] }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as Pod);
    await client.create(PODS, {
      metadata: { name: 'two-owners', namespace: NS, ownerReferences: [ghost, { ...ownedBy(live), controller: false }] },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    } as Pod);
    await waitFor('the pod owned by a uid that never existed to be deleted', async () => !(await exists(PODS, 'haunted')));
    await waitFor('the reference to the missing owner to be dropped', async () => {
      const pod = await client.get<Pod>(PODS, NS, 'two-owners');
      return pod.metadata?.ownerReferences?.length === 1;
    });
    const pod = await client.get<Pod>(PODS, NS, 'two-owners');
    assert.equal(pod.metadata?.ownerReferences?.[0].uid, live.metadata?.uid);
    assert.equal(pod.metadata?.deletionTimestamp, undefined);
  });
});
