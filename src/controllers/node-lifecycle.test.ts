/**
 * The node lifecycle controller against a real API server. The test plays the kubelets: it
 * registers Nodes, renews their Leases, and stops renewing one of them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { RestClient } from '../client/index.ts';
import { waitFor } from '../client/control-plane.test-support.ts';
import { startControlPlane, type ControlPlane } from '../index.ts';
import { nodeLifecycleController } from './node-lifecycle.ts';
import { replicaSetController } from './replicaset.ts';
import { startControllers } from './test-harness.test-support.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const EVENTS = findResource('', 'v1', 'events')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;
const NS = 'default';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

let dataDir: string;
let plane: ControlPlane;
let controllers: { client: RestClient; stop(): Promise<void> };
let client: RestClient;
/** The nodes whose kubelets (played by the test) renew their Leases. */
const renewing = new Set<string>();
let renewer: NodeJS.Timeout;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'skiff-node-lifecycle-'));
  plane = await startControlPlane({ dataDir, port: 0, controllers: false });
  controllers = await startControllers(plane.kubeconfigPath, [nodeLifecycleController, replicaSetController], { nodeMonitorGracePeriodSeconds: 2 });
  client = controllers.client;
  renewer = setInterval(() => {
    for (const name of renewing) void renew(name).catch(() => {});
  }, 250);
});

after(async () => {
  clearInterval(renewer);
  await controllers?.stop();
  await plane?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function registerNode(name: string): Promise<void> {
  const now = Date.now();
  await client.create<Node>(NODES, {
    metadata: { name },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: time(now), lastTransitionTime: time(now) }] },
  });
  await client.create<Lease>(LEASES, { metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(now) } });
  renewing.add(name);
}

async function renew(name: string): Promise<void> {
  await client.patch(LEASES, 'kube-node-lease', name, { spec: { renewTime: microTime(Date.now()) } }, 'merge');
}

async function runPod(name: string, nodeName: string, tolerations: Toleration[]): Promise<void> {
  await client.create<Pod>(PODS, { metadata: { name, namespace: NS }, spec: { nodeName, tolerations, containers: [{ name: 'c', image: 'busybox' }] } });
}

const deleting = async (name: string) => {
  try {
    return !!(await client.get<Pod>(PODS, NS, name)).metadata?.deletionTimestamp;
  } catch {
    return true;
  }
};

test('a node that stops renewing its Lease becomes Unknown, is tainted, loses its pods, and is untainted when Ready again', async () => {
  await registerNode('silent');
  await registerNode('alive');
  const briefly = { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 } as const;
  await runPod('short', 'silent', [briefly]);
  await runPod('forever', 'silent', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]);
  await runPod('elsewhere', 'alive', [briefly]);
  const ready = [{ type: 'Ready', status: 'True', lastTransitionTime: time(Date.now()) }];
  await client.patchStatus(PODS, NS, 'forever', { status: { phase: 'Running', conditions: ready } }, 'merge');

  renewing.delete('silent');
  await waitFor('the silent node to be Ready=Unknown and tainted unreachable', async () => {
    const node = await client.get<Node>(NODES, undefined, 'silent');
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const taints = (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
    return ready?.status === 'Unknown' && taints.join() === `${UNREACHABLE}:NoExecute,${UNREACHABLE}:NoSchedule`;
  });
  const node = await client.get<Node>(NODES, undefined, 'silent');
  const nodeReady = node.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(nodeReady.reason, 'NodeStatusUnknown');
  assert.equal(nodeReady.message, 'Kubelet stopped posting node status.');
  assert.ok(node.spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded, 'the NoExecute taint says when it was added');
  const forever = await client.get<Pod>(PODS, NS, 'forever');
  assert.equal(forever.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'pods of the silent node are no longer Ready');

  await waitFor('the pod tolerating the taint for 1 s to be deleted', () => deleting('short'));
  assert.equal(await deleting('forever'), false, 'a pod tolerating the taint for good stays');
  await waitFor('the eviction to be recorded as an event on the pod', async () =>
    (await client.list<Event>(EVENTS, NS)).items.some((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === 'short'),
  );
  assert.equal(await deleting('elsewhere'), false, 'a pod on a healthy node stays');
  const alive = await client.get<Node>(NODES, undefined, 'alive');
  assert.equal(alive.spec?.taints, undefined);
  assert.equal(alive.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

  // The kubelet comes back and reports Ready.
  const now = Date.now();
  await renew('silent');
  await client.patchStatus(NODES, undefined, 'silent', {
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: time(now), lastTransitionTime: time(now) }] },
  }, 'strategic');
  renewing.add('silent');
  await waitFor('the taints to be removed', async () => (await client.get<Node>(NODES, undefined, 'silent')).spec?.taints === undefined);
});

test('the pods of a ReplicaSet on a node that falls silent are replaced on another node', async () => {
  await registerNode('first');
  await registerNode('second');
  let target = 'first';
  // The scheduler: binds every unbound pod to `target`.
  const scheduler = setInterval(() => {
    void (async () => {
      for (const pod of (await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' })).items) {
        if (pod.metadata?.deletionTimestamp) continue;
        if (!pod.spec?.nodeName) await client.bind(NS, pod.metadata!.name!, target);
      }
    })().catch(() => {});
  }, 100);
  try {
    const labels = { app: 'web' };
    await client.create(REPLICASETS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }], containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    } as never);
    const placed = async (node: string) => {
      const pods = (await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return pods.length === 2 && pods.every((p) => p.spec?.nodeName === node);
    };
    await waitFor('two pods on the first node', () => placed('first'));

    target = 'second';
    renewing.delete('first');
    await waitFor('the pods to be replaced on the second node', () => placed('second'), 20_000);
    const evicted = (await client.list<Pod>(PODS, NS, { labelSelector: 'app=web' })).items.filter((p) => p.spec?.nodeName === 'first');
    assert.ok(evicted.every((p) => p.metadata?.deletionTimestamp), 'the pods on the silent node are being deleted');
  } finally {
    clearInterval(scheduler);
  }
});
