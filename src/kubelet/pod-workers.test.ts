import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { realClock } from '../client/index.ts';
import { waitFor } from '../client/control-plane.test-support.ts';
import { PodWorkers } from './pod-workers.ts';

const pod = (uid: string, rv = '1'): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid, resourceVersion: rv } });

test('syncs by uid: a pod re-created under the same name is two pods, the old one synced as gone', async () => {
  const seen: string[] = [];
  const workers = new PodWorkers({ sync: async (uid, p) => {
      seen.push(`${uid}:${p ? p.metadata!.resourceVersion : 'gone'}`);
      return {};
    }, clock: realClock, log: () => {} });
  workers.start();
  const h = workers.handler();
  h.onAdd!(pod('a'));
  await waitFor('first sync', () => seen.includes('a:1'));
  h.onUpdate!(pod('a'), pod('b', '2'));
  await waitFor('both synced', () => seen.includes('a:gone') && seen.includes('b:2'));
  assert.deepEqual(workers.known(), ['b']);
  h.onDelete!(pod('b', '2'));
  await waitFor('b gone', () => seen.includes('b:gone'));
  await workers.stop();
});

test('one sync at a time per pod; a change during a sync runs it again after', async () => {
  let running = 0;
  let most = 0;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const workers = new PodWorkers({
    sync: async () => {
      calls++;
      running++;
      most = Math.max(most, running);
      if (calls === 1) await gate;
      running--;
      return {};
    },
    clock: realClock,
    log: () => {},
  });
  workers.start();
  workers.enqueue('a');
  await waitFor('first sync started', () => calls === 1);
  workers.enqueue('a');
  workers.enqueue('a');
  release();
  await waitFor('second sync', () => calls === 2);
  await workers.stop();
  assert.equal(most, 1);
  assert.equal(calls, 2);
});
