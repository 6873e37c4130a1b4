/**
 * A standby scheduler watches before it leads, as upstream's does: while another holds the
 * kube-scheduler Lease it has listed pods and nodes already, and when the Lease comes to it
 * it binds the pods that waited without listing the cluster again; nor does it list again when it
 * loses the Lease and wins it back. Real API server and Lease.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { ResourceRef } from '../client/rest-client.ts';
import { formatMicroTime } from '../api/time.ts';
import { loadKubeconfig, NodeHttpTransport, RestClient, type KubeList, type KubeObject, type ListOptions } from '../client/index.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { startScheduler, type RunningScheduler } from './index.ts';
import { addSimulatedNode } from './simulated-node.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const suffix = Math.random().toString(36).slice(2, 8);

/** A client that counts its lists of pods. */
class CountingClient extends RestClient {
  podLists = 0;
  override list<T extends KubeObject>(r: ResourceRef, namespace?: string, options?: ListOptions): Promise<KubeList<T>> {
    if (r.plural === 'pods') this.podLists++;
    return super.list<T>(r, namespace, options);
  }
}

let cluster: TestCluster;
let scheduler: RunningScheduler | undefined;
let stoppedLeading = false;

before(async () => {
  cluster = await startTestCluster();
});

after(async () => {
  await scheduler?.stop();
  await cluster.cleanup();
});

test('a standby scheduler has listed the cluster before it leads, and schedules without listing again', { timeout: 90_000 }, async () => {
  await addSimulatedNode(cluster.client, `node-${suffix}`, { cpu: '4' });
  // Someone else leads, for longer than the test.
  const now = formatMicroTime(Date.now());
  await cluster.client.create<Lease>(leases, {
    metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
    spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
  });
  const client = new CountingClient(new NodeHttpTransport(await loadKubeconfig(cluster.plane.kubeconfigPath)));
  scheduler = await startScheduler({ client, identity: `standby-${suffix}`, log: (line) => void (/failed to renew/.test(line) && (stoppedLeading = true)) });
  await waitFor('the standby to list pods', () => client.podLists > 0, 30_000);

  const pod = await cluster.client.create<Pod>(pods, {
    metadata: { name: 'waiting', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await cluster.client.get<Pod>(pods, 'default', 'waiting')).spec?.nodeName, undefined, 'a standby binds nothing');
  const listsBeforeLeading = client.podLists;

  // The holder steps down: its Lease expires at once.
  const lease = await cluster.client.get<Lease>(leases, 'kube-system', 'kube-scheduler');
  await cluster.client.update<Lease>(leases, { ...lease, spec: { ...lease.spec, leaseDurationSeconds: 1, renewTime: formatMicroTime(Date.now() - 5000) } });
  await waitFor('the pod to be bound', async () => (await cluster.client.get<Pod>(pods, 'default', pod.metadata!.name!)).spec?.nodeName === `node-${suffix}`, 30_000);
  assert.equal((await cluster.client.get<Lease>(leases, 'kube-system', 'kube-scheduler')).spec?.holderIdentity, `standby-${suffix}`);
  assert.equal(client.podLists, listsBeforeLeading, 'the new leader scheduled from the cache it kept as a standby');
});

test('a scheduler that lost the Lease and wins it back schedules without listing the cluster again', { timeout: 90_000 }, async () => {
  assert.ok(scheduler, 'the test before started a leading scheduler');
  const client = scheduler.client as CountingClient;
  // Someone else takes the Lease from the leader, which stops leading once renewal fails.
  const taken = await cluster.client.get<Lease>(leases, 'kube-system', 'kube-scheduler');
  const now = formatMicroTime(Date.now());
  await cluster.client.update<Lease>(leases, { ...taken, spec: { ...taken.spec, holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: now, renewTime: now } });
  const listsWhenTaken = client.podLists;
  await waitFor('the scheduler to stop leading', () => stoppedLeading, 30_000);

  const pod = await cluster.client.create<Pod>(pods, {
    metadata: { name: 'waiting-again', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await cluster.client.get<Pod>(pods, 'default', 'waiting-again')).spec?.nodeName, undefined, 'a scheduler off its Lease binds nothing');

  const lease = await cluster.client.get<Lease>(leases, 'kube-system', 'kube-scheduler');
  await cluster.client.update<Lease>(leases, { ...lease, spec: { ...lease.spec, leaseDurationSeconds: 1, renewTime: formatMicroTime(Date.now() - 5000) } });
  await waitFor('the pod to be bound', async () => (await cluster.client.get<Pod>(pods, 'default', pod.metadata!.name!)).spec?.nodeName === `node-${suffix}`, 30_000);
  assert.equal(client.podLists, listsWhenTaken, 'the second term scheduled from the informers the first one had');
});
