/**
 * A kubelet's watch of its own pods (fieldSelector spec.nodeName=NODE), as a client sees it now
 * that the watch cache files such watches by node: the pod arriving on the node (bound after
 * it was created), its status changes and its deletion reach that watch, and nothing of pods
 * on other nodes does.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import type { WatchEvent } from '../../client/index.ts';
import { startTestCluster, type TestCluster } from '../../client/control-plane.test-support.ts';

const PODS = findResource('', 'v1', 'pods')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const ns = `watch-by-node-${process.pid}`;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
  await cluster.client.create(NAMESPACES, { metadata: { name: ns } });
});

after(async () => {
  await cluster?.cleanup();
});

const pod = (name: string, nodeName?: string): Pod => ({
  metadata: { name, namespace: ns },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
});

test('a watch of one node’s pods sees its pods arrive, change and go, and no other node’s', async () => {
  const { client } = cluster;
  const start = await client.list(PODS, undefined, { limit: 1 });
  const seen: string[] = [];
  let wake = () => {};
  const watch = client.watch<Pod>(
    PODS,
    undefined,
    { resourceVersion: start.metadata.resourceVersion, fieldSelector: 'spec.nodeName=node-a' },
    (event: WatchEvent<Pod>) => {
      if (event.type === 'BOOKMARK') return;
      seen.push(`${event.type} ${event.object.metadata?.name} ${event.object.status?.phase ?? '-'}`);
      wake();
    },
    () => {},
  );
  try {
    await client.create(PODS, pod('later-bound'));
    await client.create(PODS, pod('elsewhere', 'node-b'));
    await client.bind(ns, 'later-bound', 'node-a');
    await client.patchStatus(PODS, ns, 'elsewhere', { status: { phase: 'Running' } }, 'merge');
    await client.patchStatus(PODS, ns, 'later-bound', { status: { phase: 'Running' } }, 'merge');
    await client.delete(PODS, ns, 'elsewhere', { gracePeriodSeconds: 0 });
    await client.delete(PODS, ns, 'later-bound', { gracePeriodSeconds: 0 });
    await new Promise<void>((resolve) => {
      wake = () => seen.some((s) => s.startsWith('DELETED')) && resolve();
      wake();
    });
    assert.deepEqual(seen, ['ADDED later-bound Pending', 'MODIFIED later-bound Running', 'DELETED later-bound Running']);
  } finally {
    watch.stop();
  }
});
