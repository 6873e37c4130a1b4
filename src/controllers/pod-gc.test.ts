/** The pod garbage collector against a real API server, with a short sweep period and quarantine. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { RestClient } from '../client/index.ts';
import { waitFor } from '../client/control-plane.test-support.ts';
import { startControlPlane, type ControlPlane } from '../index.ts';
import { podGcControllerWith } from './pod-gc.ts';
import { startControllers } from './test-harness.test-support.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const NS = 'default';

let dataDir: string;
let plane: ControlPlane;
let controllers: { client: RestClient; stop(): Promise<void> };
let client: RestClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'skiff-pod-gc-'));
  plane = await startControlPlane({ dataDir, port: 0, controllers: false });
  controllers = await startControllers(plane.kubeconfigPath, [podGcControllerWith({ gcCheckPeriodMs: 200, quarantineMs: 500 })], { terminatedPodGcThreshold: 2 });
  client = controllers.client;
});

after(async () => {
  await controllers?.stop();
  await plane?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function podNames(): Promise<string[]> {
  return (await client.list<Pod>(PODS, NS)).items.map((p) => p.metadata!.name!).sort();
}

async function createPod(name: string, nodeName?: string): Promise<Pod> {
  return client.create<Pod>(PODS, { metadata: { name, namespace: NS }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] } });
}

test('pods bound to a node that was deleted are deleted, terminating ones too; others stay', async () => {
  await client.create<Node>(NODES, { metadata: { name: 'doomed' } });
  await client.create<Node>(NODES, { metadata: { name: 'kept' } });
  await createPod('on-doomed-0', 'doomed');
  await createPod('on-doomed-1', 'doomed');
  await createPod('on-kept', 'kept');
  // Graceful deletion of a bound pod waits for a kubelet that will never come.
  await client.delete(PODS, NS, 'on-doomed-1');
  assert.ok((await client.get<Pod>(PODS, NS, 'on-doomed-1')).metadata?.deletionTimestamp);

  await client.delete(NODES, undefined, 'doomed');
  await waitFor('the pods of the deleted node to be gone', async () => !(await podNames()).some((n) => n.startsWith('on-doomed')));
  assert.ok((await podNames()).includes('on-kept'));
});

test('terminated pods beyond the threshold are deleted', async () => {
  for (let i = 0; i < 4; i++) {
    const pod = await createPod(`done-${i}`);
    await client.updateStatus<Pod>(PODS, { ...pod, status: { ...pod.status, phase: i % 2 ? 'Failed' : 'Succeeded' } });
  }
  await createPod('pending');
  await waitFor('two terminated pods to remain', async () => (await podNames()).filter((n) => n.startsWith('done-')).length === 2);
  assert.ok((await podNames()).includes('pending'), 'a pod still to run is not counted');
});
