import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { ApiError, type RestClient } from '../client/index.ts';
import { disruptionController } from './disruption.ts';
import { startControllers } from './test-harness.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const pdbs = findResource('policy', 'v1', 'poddisruptionbudgets')!;
const replicaSets = findResource('apps', 'v1', 'replicasets')!;
const deployments = findResource('apps', 'v1', 'deployments')!;

function pod(name: string, app: string, owner?: OwnerReference): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app }, ...(owner ? { ownerReferences: [owner] } : {}) },
    spec: { containers: [{ name: 'app', image: 'busybox' }] },
  };
}

/** Plays the kubelet: reports the pod Ready (or not) through the status subresource. */
async function setReady(client: RestClient, name: string, ready: boolean): Promise<void> {
  const status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  await client.patchStatus(pods, 'default', name, { status }, 'merge');
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });

/** Waits until the budget's status has every field of `want` (and returns it). */
async function statusOf(client: RestClient, name: string, want: Partial<PodDisruptionBudgetStatus>): Promise<PodDisruptionBudget> {
  let pdb: PodDisruptionBudget | undefined;
  await waitFor(`budget ${name} to reach ${JSON.stringify(want)}`, async () => {
    pdb = await client.get<PodDisruptionBudget>(pdbs, 'default', name);
    return Object.entries(want).every(([k, v]) => JSON.stringify((pdb!.status as any)?.[k]) === JSON.stringify(v));
  });
  return pdb!;
}

const condition = (pdb: PodDisruptionBudget) => {
  const c = pdb.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
  return [c?.status, c?.reason];
};

describe('disruption controller against a real API server', () => {
  let cluster: TestCluster;
  let stopControllers: () => Promise<void>;
  let cacheDir: string;
  before(async () => {
    cluster = await startTestCluster();
    cacheDir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-cache-'));
    stopControllers = (await startControllers(cluster.plane.kubeconfigPath, [disruptionController])).stop;
  });
  after(async () => {
    await stopControllers?.();
    await cluster?.cleanup();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  test('minAvailable counts ready pods, an eviction spends a disruption, and kubectl shows what is allowed', async () => {
    const c = cluster.client;
    for (const name of ['count-a', 'count-b', 'count-c']) await c.create(pods, pod(name, 'count'));
    await setReady(c, 'count-a', true);
    await setReady(c, 'count-b', true);
    await setReady(c, 'count-c', false);
    await c.create<PodDisruptionBudget>(pdbs, { metadata: { name: 'count', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'count' } } } });

    const pdb = await statusOf(c, 'count', { expectedPods: 3, currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    assert.equal(pdb.status?.observedGeneration, pdb.metadata?.generation);
    assert.deepEqual(condition(pdb), ['True', 'SufficientPods']);
    const { stdout } = await promisify(execFile)(
      '/usr/bin/kubectl',
      ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', cacheDir, 'get', 'pdb', 'count'],
      { timeout: 20_000 },
    );
    assert.match(stdout, /ALLOWED DISRUPTIONS/);
    assert.match(stdout, /^count\s+1\s+N\/A\s+1\s/m);

    await c.evict('default', 'count-a');
    const after = await statusOf(c, 'count', { currentHealthy: 1, disruptionsAllowed: 0 });
    assert.deepEqual(condition(after), ['False', 'InsufficientPods']);
    await assert.rejects(c.evict('default', 'count-b'), (err: unknown) => err instanceof ApiError && err.code === 429);

    await setReady(c, 'count-c', true);
    await statusOf(c, 'count', { currentHealthy: 2, disruptionsAllowed: 1 });
  });

  test('maxUnavailable and percentages are measured against the controllers\' scale; a pod with no controller fails safe', async () => {
    const c = cluster.client;
    const dep = await c.create<Deployment>(deployments, {
      metadata: { name: 'scaled', namespace: 'default' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'scaled' } }, template: template('scaled') },
    });
    const depRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'scaled', uid: dep.metadata!.uid!, controller: true };
    const rs = await c.create<ReplicaSet>(replicaSets, {
      metadata: { name: 'scaled-1', namespace: 'default', ownerReferences: [depRef] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'scaled' } }, template: template('scaled') },
    });
    const rsRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'scaled-1', uid: rs.metadata!.uid!, controller: true };
    for (const name of ['scaled-x', 'scaled-y']) {
      await c.create(pods, pod(name, 'scaled', rsRef));
      await setReady(c, name, true);
    }

    await c.create<PodDisruptionBudget>(pdbs, { metadata: { name: 'scaled', namespace: 'default' }, spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'scaled' } } } });
    // The ReplicaSet belongs to a Deployment of 4 replicas: 4 expected, 2 may be missing, 2 are there.
    await statusOf(c, 'scaled', { expectedPods: 4, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });

    await c.patch(pdbs, 'default', 'scaled', { spec: { maxUnavailable: null, minAvailable: '25%' } }, 'merge');
    const pdb = await statusOf(c, 'scaled', { expectedPods: 4, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 });
    assert.equal(pdb.status?.observedGeneration, pdb.metadata?.generation);

    await c.create(pods, pod('scaled-orphan', 'scaled'));
    const failed = await statusOf(c, 'scaled', { disruptionsAllowed: 0 });
    assert.deepEqual(condition(failed), ['False', 'SyncFailed']);
    assert.match(failed.status!.conditions!.find((x) => x.type === 'DisruptionAllowed')!.message!, /found no controllers for pod "scaled-orphan"/);

    await c.delete(pods, 'default', 'scaled-orphan', { gracePeriodSeconds: 0 });
    await statusOf(c, 'scaled', { disruptionsAllowed: 1 });
  });

  test('an empty selector covers every pod of the namespace', async () => {
    const c = cluster.client;
    await c.create<PodDisruptionBudget>(pdbs, { metadata: { name: 'everything', namespace: 'default' }, spec: { minAvailable: 0, selector: {} } });
    const all = (await c.list<Pod>(pods, 'default')).items.length;
    await statusOf(c, 'everything', { expectedPods: all, desiredHealthy: 0 });
  });
});
