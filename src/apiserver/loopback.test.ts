/**
 * The loopback connection against a real API server: a client in the server's process is served
 * as a cluster admin over its Unix socket — writes, large bodies in both directions, a watch,
 * many requests at once — only root may open the socket, and a stopped server refuses it instead
 * of leaving it waiting.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, type TestCluster } from '../client/control-plane.test-support.ts';
import { RestClient } from '../client/index.ts';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const REVIEWS = findResource('authentication.k8s.io', 'v1', 'selfsubjectreviews')!;

describe('loopback connections', { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let client: RestClient;

  before(async () => {
    cluster = await startTestCluster();
    client = RestClient.fromConnection(cluster.plane.loopback!, { userAgent: 'loopback-test' });
  });
  after(async () => {
    client?.close();
    await cluster?.cleanup();
  });

  test('authenticate as a cluster admin without credentials', async () => {
    const review = await client.create<{ apiVersion: string; kind: string; status?: { userInfo?: { username?: string; groups?: string[] } } }>(REVIEWS, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    assert.equal(review.status?.userInfo?.username, 'system:apiserver');
    assert.deepEqual(review.status?.userInfo?.groups, ['system:masters', 'system:authenticated']);
  });

  test('carry bodies larger than a stream buffer both ways, and the admin client sees the write', async () => {
    const data = { big: 'x'.repeat(900 * 1024), more: 'y'.repeat(64 * 1024 + 7) };
    await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: 'big', namespace: 'default' }, data });
    const overTls = await cluster.client.get<ConfigMap>(CONFIGMAPS, 'default', 'big');
    assert.deepEqual(overTls.data, data);
    const overLoopback = await client.get<ConfigMap>(CONFIGMAPS, 'default', 'big');
    assert.deepEqual(overLoopback.data, data);
  });

  test('serve many requests at once and a watch', async () => {
    // From a list's revision, so creates that race the watch's start are still delivered.
    const from = (await client.list<ConfigMap>(CONFIGMAPS, 'default')).metadata?.resourceVersion;
    const events: string[] = [];
    let allSeen!: () => void;
    const seen = new Promise<void>((resolve) => (allSeen = resolve));
    const watch = client.watch<ConfigMap>(
      CONFIGMAPS,
      'default',
      { labelSelector: 'batch=w', resourceVersion: from },
      (e) => {
        events.push(`${e.type} ${e.object.metadata?.name}`);
        if (events.length === 20) allSeen();
      },
      () => {},
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: `w-${i}`, namespace: 'default', labels: { batch: 'w' } }, data: { i: String(i) } })),
    );
    await seen;
    watch.stop();
    assert.deepEqual(events.sort(), Array.from({ length: 20 }, (_, i) => `ADDED w-${i}`).sort());
    const list = await client.list<ConfigMap>(CONFIGMAPS, 'default', { labelSelector: 'batch=w' });
    assert.equal(list.items.length, 20);
  });

  test('the socket is open to its owner only', async () => {
    const info = await stat(join(cluster.dataDir, 'server', 'loopback.sock'));
    assert.ok(info.isSocket());
    assert.equal(info.mode & 0o777, 0o600);
  });

  test('a stopped server refuses the connection', async () => {
    await cluster.plane.stop();
    const fresh = RestClient.fromConnection(cluster.plane.loopback!, { retry: { maxRetries: 0 } });
    await assert.rejects(fresh.get<ConfigMap>(CONFIGMAPS, 'default', 'big'), /ENOENT|ECONNREFUSED/);
    fresh.close();
  });
});
