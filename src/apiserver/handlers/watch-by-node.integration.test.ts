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

test('a watch of bound pods (spec.nodeName!=) and an unfiltered watch carry each write’s resourceVersion', async () => {
  const { client } = cluster;
  const start = await client.list(PODS, ns, { limit: 1 });
  const bound: string[] = [];
  const all: string[] = [];
  let wake = () => {};
  const watchOf = (into: string[], fieldSelector?: string) =>
    client.watch<Pod>(
      PODS,
      ns,
      { resourceVersion: start.metadata.resourceVersion, fieldSelector },
      (event: WatchEvent<Pod>) => {
        if (event.type === 'BOOKMARK') return;
        into.push(`${event.type} ${event.object.metadata?.name} ${event.object.spec?.nodeName ?? '-'} ${event.object.metadata?.resourceVersion}`);
        wake();
      },
      () => {},
    );
  const watches = [watchOf(bound, 'spec.nodeName!='), watchOf(all)];
  try {
    const unbound = await client.create(PODS, pod('rv-unbound'));
    const elsewhere = await client.create(PODS, pod('rv-elsewhere', 'node-c'));
    await client.bind(ns, 'rv-unbound', 'node-d');
    const boundNow = await client.get<Pod>(PODS, ns, 'rv-unbound');
    const running = await client.patchStatus<Pod>(PODS, ns, 'rv-elsewhere', { status: { phase: 'Running' } }, 'merge');
    await client.delete(PODS, ns, 'rv-elsewhere', { gracePeriodSeconds: 0 });
    await new Promise<void>((resolve) => {
      wake = () => bound.some((s) => s.startsWith('DELETED')) && all.some((s) => s.startsWith('DELETED')) && resolve();
      wake();
    });
    const rv = (p: Pod) => p.metadata!.resourceVersion!;
    assert.deepEqual(bound, [`ADDED rv-elsewhere node-c ${rv(elsewhere)}`, `ADDED rv-unbound node-d ${rv(boundNow)}`, `MODIFIED rv-elsewhere node-c ${rv(running)}`, bound[3]]);
    assert.match(bound[3], /^DELETED rv-elsewhere node-c \d+$/);
    assert.ok(Number(bound[3].split(' ')[3]) > Number(rv(running)));
    assert.deepEqual(all.slice(0, 4), [
      `ADDED rv-unbound - ${rv(unbound)}`,
      `ADDED rv-elsewhere node-c ${rv(elsewhere)}`,
      `MODIFIED rv-unbound node-d ${rv(boundNow)}`,
      `MODIFIED rv-elsewhere node-c ${rv(running)}`,
    ]);
    assert.equal(all[4], bound[3]);
  } finally {
    for (const w of watches) w.stop();
  }
});
