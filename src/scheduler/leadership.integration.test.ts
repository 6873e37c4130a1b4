/**
 * A scheduler that loses its Lease while a binding hangs on the API server campaigns again
 * without waiting for that binding: it takes the Lease back once it expires. (It used to wait
 * for every binding cycle of the lost term, which on a swamped server took minutes with
 * nothing scheduled.) Real API server and Lease; only `bind` is held back, to stand in for a
 * server that does not answer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { loadKubeconfig, NodeHttpTransport, RestClient } from '../client/index.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { startScheduler, type RunningScheduler } from './index.ts';
import { addSimulatedNode } from './simulated-node.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const suffix = Math.random().toString(36).slice(2, 8);
const identity = `lead-test-${suffix}`;

/** A client whose bindings do not answer until the test ends. */
class HangingBindClient extends RestClient {
  bindsStarted = 0;
  private readonly held: ((err: Error) => void)[] = [];
  override bind(): Promise<void> {
    this.bindsStarted++;
    return new Promise((_, reject) => this.held.push(reject));
  }
  failHeldBinds(): void {
    for (const reject of this.held.splice(0)) reject(new Error('the test is over'));
  }
}

let cluster: TestCluster;
let scheduler: RunningScheduler | undefined;
let client: HangingBindClient;

before(async () => {
  cluster = await startTestCluster();
  try {
    await addSimulatedNode(cluster.client, `node-${suffix}`, { cpu: '4' });
    client = new HangingBindClient(new NodeHttpTransport(await loadKubeconfig(cluster.plane.kubeconfigPath)));
    scheduler = await startScheduler({ client, identity });
  } catch (err) {
    await cluster.cleanup();
    throw err;
  }
});

after(async () => {
  // A stop waits for every binding cycle: let the held ones fail first.
  client?.failHeldBinds();
  await scheduler?.stop();
  await cluster.cleanup();
});

test('a scheduler that lost its lease with a binding in flight takes the lease back once it expires', { timeout: 90_000 }, async () => {
  await cluster.client.create<Pod>(pods, {
    metadata: { name: 'stuck', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  await waitFor('the scheduler to try binding the pod', () => client.bindsStarted > 0, 30_000);

  // Another candidate takes the Lease for 12 s: the scheduler cannot renew for its 10 s renew deadline.
  const lease = await cluster.client.get<Lease>(leases, 'kube-system', 'kube-scheduler');
  assert.equal(lease.spec?.holderIdentity, identity);
  const now = new Date().toISOString().replace('Z', '000Z');
  await cluster.client.update<Lease>(leases, { ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else', leaseDurationSeconds: 12, acquireTime: now, renewTime: now } });

  await waitFor(
    'the scheduler to hold its Lease again',
    async () => (await cluster.client.get<Lease>(leases, 'kube-system', 'kube-scheduler')).spec?.holderIdentity === identity,
    60_000,
  );
  // The new term schedules again: the pod is tried a second time.
  await waitFor('the new term to try the pod', () => client.bindsStarted > 1, 30_000);
});
