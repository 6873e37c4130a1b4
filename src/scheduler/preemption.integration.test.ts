import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isNotFound } from '../client/api-error.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { startScheduler, type RunningScheduler } from './index.ts';
import { addSimulatedNode } from './simulated-node.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const priorityClasses = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;

let cluster: TestCluster;
let scheduler: RunningScheduler | undefined;
const suffix = Math.random().toString(36).slice(2, 8);
const ns = `preempt-${suffix}`;
const node = `only-${suffix}`;
const high = `high-${suffix}`;

const pod = (name: string, cpu: string, priorityClassName?: string): Pod => ({
  metadata: { name, namespace: ns },
  spec: { priorityClassName, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu } } }] },
});
const getPod = (name: string) => cluster.client.get<Pod>(pods, ns, name);

before(async () => {
  cluster = await startTestCluster();
  try {
    await cluster.client.create(namespaces, { metadata: { name: ns } });
    await cluster.client.create(priorityClasses, { metadata: { name: high }, value: 1000 });
    await addSimulatedNode(cluster.client, node, { cpu: '2', memory: '4Gi' });
    scheduler = await startScheduler({ kubeconfigPath: cluster.plane.kubeconfigPath, leaderElect: false });
  } catch (err) {
    await cluster.cleanup();
    throw err;
  }
});

after(async () => {
  await scheduler?.stop();
  await cluster.cleanup();
});

test('a higher-priority pod preempts a lower-priority one and takes its place', async () => {
  await scheduler!.started;
  await cluster.client.create(pods, pod('low', '1500m'));
  await waitFor('the low-priority pod bound', async () => (await getPod('low')).spec?.nodeName === node);
  await cluster.client.create(pods, pod('important', '1500m', high));
  assert.equal((await getPod('important')).spec?.priority, 1000);
  await waitFor('the victim marked for deletion', async () => {
    try {
      return !!(await getPod('low')).metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  });
  // Upstream deletes the victims first and then records the nomination: wait for it.
  await waitFor('the preemptor nominated to the node', async () => (await getPod('important')).status?.nominatedNodeName === node);
  // No kubelet runs here: finish the victim's termination as one would.
  await cluster.client.delete(pods, ns, 'low', { gracePeriodSeconds: 0 }).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
  await waitFor('the preemptor bound to the node', async () => (await getPod('important')).spec?.nodeName === node);
});
