import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { waitFor } from '../client/control-plane.test-support.ts';
import { isNotFound, RestClient } from '../client/index.ts';
import { startControlPlane, type ControlPlane } from '../control-plane.ts';
import { COMPLETE_AFTER_ANNOTATION } from './hollow-pod.ts';
import { startHollowNodes, type RunningHollowNodes } from './hollow-nodes.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const RCS = findResource('', 'v1', 'replicationcontrollers')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;

let dataDir: string;
let plane: ControlPlane;
let client: RestClient;
let hollow: RunningHollowNodes | undefined;
const prefix = `hollow-${process.pid}-`;
const ns = `hollow-test-${process.pid}`;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'skiff-hollow-'));
  plane = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1' });
  client = await RestClient.fromKubeconfig(plane.kubeconfigPath);
  await client.create(NAMESPACES, { metadata: { name: ns } });
  hollow = await startHollowNodes({ client, count: 3, namePrefix: prefix, deleteNodesOnStop: true, leaseIntervalMs: 1_000, statusIntervalMs: 1_000 });
});

after(async () => {
  await hollow?.stop();
  client?.close();
  await plane?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const running = (p: Pod) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

test('hollow nodes register Ready with the capacity asked for, and renew their Leases', async () => {
  const nodes = (await client.list<Node>(NODES)).items.filter((n) => n.metadata!.name!.startsWith(prefix));
  assert.deepEqual(nodes.map((n) => n.metadata!.name).sort(), [`${prefix}0`, `${prefix}1`, `${prefix}2`]);
  for (const node of nodes) {
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(node.status?.allocatable?.pods, '110');
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.32.0');
  }
  let lease: Lease | undefined;
  await waitFor('the first node Lease', async () => {
    lease = await client.get<Lease>(LEASES, 'kube-node-lease', `${prefix}0`).catch(() => undefined);
    return lease !== undefined;
  });
  assert.equal(lease!.spec?.holderIdentity, `${prefix}0`);
  assert.equal(lease!.metadata?.ownerReferences?.[0]?.kind, 'Node');
});

test('status posts move the heartbeats and keep the rest; Lease renewals keep their field owners', async () => {
  const name = `${prefix}1`;
  const first = await client.get<Node>(NODES, undefined, name);
  const readyOf = (n: Node) => n.status!.conditions!.find((c) => c.type === 'Ready')!;
  let later = first;
  await waitFor('a later heartbeat', async () => {
    later = await client.get<Node>(NODES, undefined, name);
    return readyOf(later).lastHeartbeatTime! > readyOf(first).lastHeartbeatTime!;
  });
  assert.deepEqual(later.status!.conditions!.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  assert.equal(readyOf(later).lastTransitionTime, readyOf(first).lastTransitionTime);
  assert.equal(readyOf(later).status, 'True');
  assert.deepEqual(later.status!.capacity, first.status!.capacity);
  assert.deepEqual(later.status!.addresses, first.status!.addresses);

  // Each node makes its Lease after it registers: under load, after its first status posts too.
  let lease: Lease | undefined;
  await waitFor('the node\'s Lease', async () => {
    lease = await client.get<Lease>(LEASES, 'kube-node-lease', name).catch(() => undefined);
    return lease !== undefined;
  });
  let renewed = lease!;
  await waitFor('a renewal', async () => {
    renewed = await client.get<Lease>(LEASES, 'kube-node-lease', name);
    return renewed.spec!.renewTime! > lease!.spec!.renewTime!;
  });
  assert.deepEqual(renewed.metadata!.managedFields!.map((m) => m.operation), ['Update']);
  assert.deepEqual(Object.keys((renewed.metadata!.managedFields![0].fieldsV1 as Record<string, object>)['f:spec']).sort(), ['f:holderIdentity', 'f:leaseDurationSeconds', 'f:renewTime']);
});

test("a ReplicationController's pods are scheduled onto hollow nodes and become Running and Ready with addresses", async () => {
  await client.create<ReplicationController>(RCS, {
    metadata: { name: 'web', namespace: ns },
    spec: { replicas: 6, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } } },
  });
  let pods: Pod[] = [];
  await waitFor(
    'six running pods',
    async () => {
      pods = (await client.list<Pod>(PODS, ns, { labelSelector: 'app=web' })).items;
      return pods.length === 6 && pods.every(running);
    },
    60_000,
  );
  const ips = new Set(pods.map((p) => p.status!.podIP));
  assert.equal(ips.size, 6, 'every pod has its own address');
  for (const pod of pods) {
    assert.ok(pod.spec!.nodeName!.startsWith(prefix));
    assert.match(pod.status!.podIP!, /^100\.64\.[0-2]\.\d+$/);
    assert.equal(pod.status!.containerStatuses?.[0]?.state?.running !== undefined, true);
  }

  const victim = pods[0];
  await client.delete(PODS, ns, victim.metadata!.name!);
  await waitFor('the deleted pod to be gone', async () => {
    try {
      await client.get(PODS, ns, victim.metadata!.name!);
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
});

test('a pod asked to complete after a while Succeeds', async () => {
  await client.create<Pod>(PODS, {
    metadata: { name: 'job-like', namespace: ns, annotations: { [COMPLETE_AFTER_ANNOTATION]: '1s' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] },
  });
  let pod: Pod | undefined;
  await waitFor('the pod to succeed', async () => {
    pod = await client.get<Pod>(PODS, ns, 'job-like');
    return pod.status?.phase === 'Succeeded';
  }, 30_000);
  assert.equal(pod!.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
});

test('stopping with deleteNodesOnStop removes the nodes', async () => {
  await hollow!.stop();
  hollow = undefined;
  const left = (await client.list<Node>(NODES)).items.filter((n) => n.metadata!.name!.startsWith(prefix));
  assert.deepEqual(left, []);
});
