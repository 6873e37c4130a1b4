import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { parseSchedulerConfiguration, startScheduler, type RunningScheduler } from './index.ts';
import { addSimulatedNode } from './simulated-node.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const events = findResource('', 'v1', 'events')!;
const namespaces = findResource('', 'v1', 'namespaces')!;

let cluster: TestCluster;
let scheduler: RunningScheduler | undefined;
const suffix = Math.random().toString(36).slice(2, 8);
const ns = `sched-${suffix}`;
const nodeName = (n: string) => `${n}-${suffix}`;

const addNode = (name: string, labels: Record<string, string>, cpu: string) => addSimulatedNode(cluster.client, nodeName(name), { cpu, labels });

function podSpec(name: string, o: { cpu?: string; selector?: Record<string, string> }): Pod {
  return {
    metadata: { name, namespace: ns },
    spec: {
      nodeSelector: o.selector,
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: o.cpu ?? '100m', memory: '16Mi' } } }],
    },
  };
}

const getPod = (name: string) => cluster.client.get<Pod>(pods, ns, name);

before(async () => {
  cluster = await startTestCluster();
  try {
    await cluster.client.create(namespaces, { metadata: { name: ns } });
    await addNode('small-ssd', { disk: 'ssd' }, '2');
    await addNode('big-a', {}, '8');
    await addNode('big-b', {}, '8');
    scheduler = await startScheduler({ kubeconfigPath: cluster.plane.kubeconfigPath, identity: `test-${suffix}` });
  } catch (err) {
    await cluster.cleanup();
    throw err;
  }
});

after(async () => {
  await scheduler?.stop();
  await cluster.cleanup();
});

test('pods land where their node selector and requests allow', async () => {
  await scheduler!.started;
  await cluster.client.create(pods, podSpec('ssd-pod', { selector: { disk: 'ssd' } }));
  await cluster.client.create(pods, podSpec('any-pod', { cpu: '4' }));
  await waitFor('both pods bound', async () => !!(await getPod('ssd-pod')).spec?.nodeName && !!(await getPod('any-pod')).spec?.nodeName);
  assert.equal((await getPod('ssd-pod')).spec?.nodeName, nodeName('small-ssd'));
  assert.notEqual((await getPod('any-pod')).spec?.nodeName, nodeName('small-ssd'), 'the 2-CPU node cannot hold 4 CPUs');
  const scheduled = await getPod('ssd-pod');
  assert.equal(scheduled.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  await waitFor('a Scheduled event', async () => {
    const list = await cluster.client.list<Event>(events, ns);
    return list.items.some((e) => e.reason === 'Scheduled' && e.involvedObject.name === 'ssd-pod' && e.message === `Successfully assigned ${ns}/ssd-pod to ${nodeName('small-ssd')}`);
  });
});

test('a pod that fits nowhere stays Pending with the reasons, then lands when a node that fits joins', async () => {
  await scheduler!.started;
  await cluster.client.create(pods, podSpec('picky', { cpu: '3', selector: { disk: 'ssd' } }));
  // Preemption ran (DefaultPreemption is on by default) and could not help: 3 CPUs exceed
  // the ssd node's whole allocatable, so its rejection is unresolvable too.
  const message =
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
  await waitFor('the PodScheduled=False condition', async () => {
    const c = (await getPod('picky')).status?.conditions?.find((x) => x.type === 'PodScheduled');
    return c?.status === 'False';
  });
  const condition = (await getPod('picky')).status?.conditions?.find((x) => x.type === 'PodScheduled');
  assert.equal(condition?.reason, 'Unschedulable');
  assert.equal(condition?.message, message);
  await waitFor('a FailedScheduling event', async () => {
    const list = await cluster.client.list<Event>(events, ns);
    return list.items.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning' && e.involvedObject.name === 'picky' && e.message === message);
  });
  assert.equal((await getPod('picky')).spec?.nodeName, undefined);
  await addNode('big-ssd', { disk: 'ssd' }, '8');
  await waitFor('the pod bound to the new node', async () => (await getPod('picky')).spec?.nodeName === nodeName('big-ssd'));
});

test('a second profile from a configuration schedules the pods that name it', async () => {
  const config = parseSchedulerConfiguration({
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    profiles: [{ schedulerName: `batch-${suffix}`, plugins: { score: { disabled: [{ name: '*' }] } } }],
  });
  const batch = await startScheduler({ kubeconfigPath: cluster.plane.kubeconfigPath, config, leaderElect: false });
  try {
    await batch.started;
    await cluster.client.create(pods, { ...podSpec('batch-pod', {}), spec: { ...podSpec('batch-pod', {}).spec!, schedulerName: `batch-${suffix}` } });
    await waitFor('the batch pod bound', async () => !!(await getPod('batch-pod')).spec?.nodeName);
  } finally {
    await batch.stop();
  }
});
