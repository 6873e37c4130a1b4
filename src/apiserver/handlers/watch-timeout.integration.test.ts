/**
 * A watch that times out ends with a bookmark at the latest revision (upstream sends one just
 * before the deadline), so the client resumes from there: a quiet resource's informer would
 * otherwise resume from its last event, further back than the watch cache keeps under load.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import { startTestCluster } from '../../client/control-plane.test-support.ts';
import type { WatchEvent } from '../../client/index.ts';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

test('a watch with bookmarks that times out ends with a BOOKMARK at the latest revision', async () => {
  const { client, cleanup } = await startTestCluster();
  try {
    const watched = await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: 'watched', namespace: 'default' } });
    const events: WatchEvent<ConfigMap>[] = [];
    const ended = new Promise<Error | undefined>((resolve) => {
      client.watch<ConfigMap>(CONFIGMAPS, 'default', { resourceVersion: watched.metadata!.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 2 }, (event) => events.push(event), resolve);
    });
    // A write the watch does not select moves the revision on.
    const elsewhere = await client.create<ConfigMap>(CONFIGMAPS, { metadata: { name: 'elsewhere', namespace: 'kube-system' } });
    assert.equal(await ended, undefined);
    assert.equal(events.at(-1)?.type, 'BOOKMARK');
    assert.ok(Number(events.at(-1)!.object.metadata!.resourceVersion) >= Number(elsewhere.metadata!.resourceVersion));
  } finally {
    await cleanup();
  }
});
