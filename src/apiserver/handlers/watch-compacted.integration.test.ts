/**
 * A watch from a revision the store has compacted away: upstream answers HTTP 200 and then one
 * ERROR event carrying a 410 Expired Status, which tells an informer to list again. The server
 * is restarted on a store compacted while it was down, so the old revision is older than any
 * history it still has.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import { ApiError, RestClient } from '../../client/index.ts';
import { startControlPlane } from '../../control-plane.ts';
import { openStore } from '../../storage/index.ts';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

test('a watch from a compacted revision gets an ERROR event with 410 Expired, then the end of the stream', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-watch-compacted-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  let plane = await startControlPlane({ dataDir, port: 0, controllers: false });
  let client = await RestClient.fromKubeconfig(plane.kubeconfigPath);
  let oldRevision: string;
  try {
    const first = await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: 'first', namespace: 'default' } });
    oldRevision = first.metadata!.resourceVersion!;
    await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: 'second', namespace: 'default' } });
  } finally {
    client.close();
    await plane.stop();
  }
  const store = await openStore(`sqlite://${join(dataDir, 'server', 'state.db')}`);
  await store.compact(await store.currentRevision());
  await store.close();

  plane = await startControlPlane({ dataDir, port: 0, controllers: false });
  client = await RestClient.fromKubeconfig(plane.kubeconfigPath);
  try {
    const events: string[] = [];
    const closedWith = await new Promise<Error | undefined>((resolve) => {
      client.watch(CONFIGMAPS, 'default', { resourceVersion: oldRevision }, (event) => events.push(event.type), resolve);
    });
    assert.deepEqual(events, []);
    assert.ok(closedWith instanceof ApiError, `closed with ${closedWith}`);
    assert.equal(closedWith.status.code, 410);
    assert.equal(closedWith.status.reason, 'Expired');
    assert.match(closedWith.message, new RegExp(`too old resource version: ${oldRevision} \\(\\d+\\)`));
  } finally {
    client.close();
    await plane.stop();
  }
});
