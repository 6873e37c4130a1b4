import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { SchedulerCache } from './cache.ts';
import { Snapshot } from './snapshot.ts';

function node(name: string, images: string[] = []): Node {
  return {
    metadata: { name },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, images: images.map((n) => ({ names: [n], sizeBytes: 1000 })) },
  };
}
function pod(name: string, nodeName: string, cpu = '1', extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu } } }], ...extra },
  };
}
const requested = (s: Snapshot, n: string) => s.get(n)!.requested.milliCPU;

test('assumed pods count at once; the informer confirms them; a failed bind forgets them', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  cache.addNode(node('n1'));
  cache.assumePod(pod('a', 'n1'));
  cache.assumePod(pod('b', 'n1'));
  cache.updateSnapshot(snapshot);
  assert.equal(requested(snapshot, 'n1'), 2000);
  assert.equal(cache.isAssumedPod(pod('a', 'n1')), true);
  cache.addPod({ ...pod('a', 'n1'), status: { phase: 'Pending' } });
  assert.equal(cache.isAssumedPod(pod('a', 'n1')), false);
  cache.forgetPod(pod('b', 'n1'));
  cache.updateSnapshot(snapshot);
  assert.equal(requested(snapshot, 'n1'), 1000);
  assert.equal(snapshot.get('n1')!.pods.length, 1);
});

test('a pod the informer reports bound elsewhere moves there', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  cache.addNode(node('n1'));
  cache.addNode(node('n2'));
  cache.assumePod(pod('a', 'n1'));
  cache.addPod(pod('a', 'n2'));
  cache.updateSnapshot(snapshot);
  assert.deepEqual([requested(snapshot, 'n1'), requested(snapshot, 'n2')], [0, 1000]);
});

test('assumed pods expire after the TTL once their binding finished', async () => {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
  cache.addNode(node('n1'));
  cache.assumePod(pod('a', 'n1'));
  await clock.advance(60_000);
  cache.cleanupAssumedPods();
  assert.equal(cache.podCount(), 1, 'binding not finished: kept');
  cache.finishBinding(pod('a', 'n1'));
  await clock.advance(31_000);
  cache.cleanupAssumedPods();
  assert.equal(cache.podCount(), 0);
});

test('snapshots copy only changed nodes and keep earlier copies intact', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  for (let i = 0; i < 5; i++) cache.addNode(node(`n${i}`));
  cache.updateSnapshot(snapshot);
  const list = snapshot.list();
  const untouched = snapshot.get('n3');
  assert.deepEqual(list.map((n) => n.node.metadata?.name), ['n0', 'n1', 'n2', 'n3', 'n4']);
  cache.addPod(pod('a', 'n1'));
  assert.equal(requested(snapshot, 'n1'), 0, 'a snapshot does not change until refreshed');
  cache.updateSnapshot(snapshot);
  assert.equal(requested(snapshot, 'n1'), 1000);
  assert.equal(snapshot.list(), list, 'no node came or went: the same list');
  assert.equal(snapshot.get('n3'), untouched);
});

test('removed nodes leave the snapshot; pods whose node is unknown wait for it', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  cache.addNode(node('n1'));
  cache.addNode(node('n2'));
  cache.addPod(pod('early', 'n3'));
  cache.updateSnapshot(snapshot);
  assert.deepEqual(snapshot.list().map((n) => n.node.metadata?.name), ['n1', 'n2']);
  cache.removeNode(node('n1'));
  cache.addNode(node('n3'));
  cache.updateSnapshot(snapshot);
  assert.deepEqual(snapshot.list().map((n) => n.node.metadata?.name), ['n2', 'n3']);
  assert.equal(requested(snapshot, 'n3'), 1000);
  assert.equal(snapshot.get('n1'), undefined);
});

test('terminal pods free their resources', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  cache.addNode(node('n1'));
  cache.addPod(pod('a', 'n1'));
  cache.updatePod(pod('a', 'n1'), { ...pod('a', 'n1'), status: { phase: 'Succeeded' } });
  cache.updateSnapshot(snapshot);
  assert.equal(requested(snapshot, 'n1'), 0);
});

test('affinity lists follow pods with affinity terms', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  cache.addNode(node('n1'));
  cache.addNode(node('n2'));
  cache.updateSnapshot(snapshot);
  const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: {} }] } } };
  cache.addPod(pod('x', 'n2', '1', anti));
  cache.updateSnapshot(snapshot);
  assert.deepEqual(snapshot.havePodsWithRequiredAntiAffinity().map((n) => n.node.metadata?.name), ['n2']);
  assert.deepEqual(snapshot.havePodsWithAffinity().map((n) => n.node.metadata?.name), ['n2']);
  cache.removePod(pod('x', 'n2'));
  cache.updateSnapshot(snapshot);
  assert.equal(snapshot.havePodsWithAffinity().length, 0);
});

test('image states count the nodes that have each image', () => {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  cache.addNode(node('n1', ['nginx']));
  cache.addNode(node('n2', ['nginx', 'redis']));
  cache.updateSnapshot(snapshot);
  assert.equal(snapshot.get('n1')!.imageStates.get('nginx')?.numNodes, 2);
  assert.equal(snapshot.get('n2')!.imageStates.get('redis')?.numNodes, 1);
  assert.equal(snapshot.get('n1')!.imageStates.has('redis'), false);
});
