import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podUpdateSyncDelayMs, STATUS_SYNC_MAX_DELAY_MS } from './replica-sync.ts';

const owned = (patch: { labels?: Record<string, string>; uid?: string; phase?: string; ready?: boolean; nodeName?: string } = {}): Pod => ({
  metadata: {
    name: 'web-1',
    namespace: 'default',
    labels: patch.labels ?? { app: 'web' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: patch.uid ?? 'rs-1', controller: true }],
  },
  spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: patch.nodeName },
  status: { phase: patch.phase ?? 'Pending', conditions: patch.ready ? [{ type: 'Ready', status: 'True' }] : [] },
});

describe('podUpdateSyncDelayMs: which pod updates a replica owner syncs at once', () => {
  test('a bind or a readiness change waits in proportion to the owner’s pods: a large owner syncs once for many', () => {
    assert.equal(podUpdateSyncDelayMs(owned(), owned({ nodeName: 'n1' }), 5000), 500);
    assert.equal(podUpdateSyncDelayMs(owned({ nodeName: 'n1' }), owned({ nodeName: 'n1', phase: 'Running', ready: true }), 5000), 500);
    assert.equal(podUpdateSyncDelayMs(owned(), owned({ phase: 'Running', ready: true }), 50), 5);
    // However large the owner, its status is at most this late.
    assert.equal(podUpdateSyncDelayMs(owned(), owned({ phase: 'Running', ready: true }), 150_000), STATUS_SYNC_MAX_DELAY_MS);
  });

  test('what may leave the owner short or over is synced at once', () => {
    // The pod ended: a replacement is due.
    assert.equal(podUpdateSyncDelayMs(owned({ phase: 'Running' }), owned({ phase: 'Failed' }), 5000), 0);
    // Relabelled: it may no longer match the selector.
    assert.equal(podUpdateSyncDelayMs(owned(), owned({ labels: { app: 'other' } }), 5000), 0);
    // Its controller changed (released or adopted).
    assert.equal(podUpdateSyncDelayMs(owned(), owned({ uid: 'rs-2' }), 5000), 0);
  });
});
