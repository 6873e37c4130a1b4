import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Event } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, type TestCluster } from './control-plane.test-support.ts';
import { EventRecorder } from './event-recorder.ts';

const configmaps = findResource('', 'v1', 'configmaps')!;
const events = findResource('', 'v1', 'events')!;

describe('EventRecorder against a real API server', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster();
  });
  after(() => cluster.cleanup());

  test('the same event twice makes one Event with count 2', async () => {
    const c = cluster.client;
    const obj = await c.create<ConfigMap>(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' } });
    const recorder = new EventRecorder(c, { component: 'test-controller', log: (l) => assert.fail(l) });
    await recorder.event(obj, 'Warning', 'Broken', 'it broke');
    await recorder.event(obj, 'Warning', 'Broken', 'it broke');
    await recorder.event(obj, 'Normal', 'Fixed', 'it is fine');
    const list = await c.list<Event>(events, 'default', { fieldSelector: 'involvedObject.name=cfg' });
    const byReason = Object.fromEntries(list.items.map((e) => [e.reason, e]));
    assert.equal(list.items.length, 2);
    assert.equal(byReason.Broken.count, 2);
    assert.equal(byReason.Broken.type, 'Warning');
    assert.equal(byReason.Broken.source?.component, 'test-controller');
    assert.equal(byReason.Broken.involvedObject.uid, obj.metadata?.uid);
    assert.equal(byReason.Fixed.count, 1);
  });
});
