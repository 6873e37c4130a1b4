/**
 * Lists at size, as clients see them, now that they are served from the state cache:
 * paginated lists stay one consistent snapshot while writes go on, resourceVersion "0" gets
 * the whole collection at once, and a list right after a write sees that write.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import { startTestCluster, type TestCluster } from '../../client/control-plane.test-support.ts';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const ns = `list-cache-${process.pid}`;
const COUNT = 1200;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster();
  await cluster.client.create(NAMESPACES, { metadata: { name: ns } });
  const names = Array.from({ length: COUNT }, (_, i) => `cm-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => cluster.client.create<ConfigMap>(CONFIGMAPS, { metadata: { name, namespace: ns }, data: { v: '0' } })));
  }
});

after(async () => {
  await cluster?.cleanup();
});

test('a paginated list is one snapshot while the collection changes under it', async () => {
  const { client } = cluster;
  const first = await client.list<ConfigMap>(CONFIGMAPS, ns, { limit: 100 });
  assert.equal(first.items.length, 100);
  assert.equal(first.metadata.remainingItemCount, COUNT - 100);
  const snapshot = first.metadata.resourceVersion;
  const seen = first.items.map((c) => c.metadata!.name!);
  let token = first.metadata.continue;
  let page = 0;
  while (token) {
    // Changes between pages: an update, a delete, a create; none may show in this list.
    const victim = `cm-${String(page * 7 + 200).padStart(5, '0')}`;
    await client.patch(CONFIGMAPS, ns, victim, { data: { v: String(page + 1) } }, 'merge');
    await client.delete(CONFIGMAPS, ns, `cm-${String(COUNT - 1 - page).padStart(5, '0')}`);
    await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: `late-${page}`, namespace: ns } });
    const next = await client.list<ConfigMap>(CONFIGMAPS, ns, { limit: 100, continue: token });
    assert.equal(next.metadata.resourceVersion, snapshot, 'every page is read at the first page’s revision');
    for (const cm of next.items) {
      seen.push(cm.metadata!.name!);
      assert.equal(cm.data?.v, '0', `${cm.metadata!.name} as it was at the snapshot`);
    }
    token = next.metadata.continue;
    page++;
  }
  assert.equal(seen.length, COUNT);
  assert.equal(new Set(seen).size, COUNT);
  assert.deepEqual(seen, [...seen].sort(), 'in key order');
  assert.ok(!seen.some((n) => n.startsWith('late-')));
});

test('resourceVersion=0 pages through the collection as it is in memory', async () => {
  const { client } = cluster;
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.list<ConfigMap>(CONFIGMAPS, ns, token ? { limit: 400, continue: token } : { limit: 400, resourceVersion: '0' });
    names.push(...page.items.map((c) => c.metadata!.name!));
    token = page.metadata.continue;
  } while (token);
  const live = await client.list<ConfigMap>(CONFIGMAPS, ns);
  assert.deepEqual(names, live.items.map((c) => c.metadata!.name!));
});

test('pods selected by spec.nodeName, as a kubelet lists them, page correctly and follow changes', async () => {
  const { client } = cluster;
  const PODS = findResource('', 'v1', 'pods')!;
  for (let i = 0; i < 30; i++) {
    await client.create(PODS, { metadata: { name: `pod-${i}`, namespace: ns }, spec: { nodeName: `node-${i % 3}`, containers: [{ name: 'c', image: 'busybox' }] } });
  }
  const onNode = async (node: string, limit?: number) => {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.list<ConfigMap>(PODS, undefined, { fieldSelector: `spec.nodeName=${node}`, limit, continue: token });
      names.push(...page.items.map((p) => p.metadata!.name!));
      token = page.metadata.continue;
    } while (token);
    return names.sort();
  };
  const expected = Array.from({ length: 10 }, (_, k) => `pod-${k * 3 + 1}`).sort();
  assert.deepEqual(await onNode('node-1'), expected);
  assert.deepEqual(await onNode('node-1', 4), expected);
  await client.delete(PODS, ns, 'pod-1', { gracePeriodSeconds: 0 });
  assert.deepEqual(await onNode('node-1'), expected.filter((n) => n !== 'pod-1'));
  assert.deepEqual(await onNode('node-9'), []);
});

test('a list right after a write sees the write, and so does one from a later resourceVersion', async () => {
  const { client } = cluster;
  for (let i = 0; i < 20; i++) {
    const created = await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: `fresh-${i}`, namespace: ns } });
    const latest = await client.list<ConfigMap>(CONFIGMAPS, ns, { labelSelector: '' });
    assert.ok(latest.items.some((c) => c.metadata!.name === `fresh-${i}`), `fresh-${i} in a list made after its create`);
    const notOlder = await client.list<ConfigMap>(CONFIGMAPS, ns, { resourceVersion: created.metadata!.resourceVersion });
    assert.ok(Number(notOlder.metadata.resourceVersion) >= Number(created.metadata!.resourceVersion));
    assert.ok(notOlder.items.some((c) => c.metadata!.name === `fresh-${i}`));
  }
});

test('a field-selected list pages through a large collection', async () => {
  const { client } = cluster;
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.list<ConfigMap>(CONFIGMAPS, ns, { fieldSelector: 'metadata.name!=cm-00000', limit: 250, continue: token });
    names.push(...page.items.map((c) => c.metadata!.name!));
    token = page.metadata.continue;
  } while (token);
  const live = await client.list<ConfigMap>(CONFIGMAPS, ns);
  assert.equal(names.length, live.items.length - 1);
  assert.ok(!names.includes('cm-00000'));
});
