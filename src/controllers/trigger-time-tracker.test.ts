import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { formatTriggerTime, TriggerTimeTracker } from './trigger-time-tracker.ts';

const svc: Service = { metadata: { name: 'web', namespace: 'ns', creationTimestamp: '2024-05-01T10:00:00Z' } };
const pod = (name: string, readySince?: string): Pod => ({
  metadata: { name, namespace: 'ns' },
  status: readySince ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] } : {},
});

describe('TriggerTimeTracker', () => {
  test('the first sync of a Service reports its creation', () => {
    assert.equal(new TriggerTimeTracker().compute(svc, [pod('a', '2024-05-01T10:05:00Z')]), '2024-05-01T10:00:00Z');
  });

  test('later syncs report the earliest Ready transition not recorded before, and nothing when nothing moved', () => {
    const t = new TriggerTimeTracker();
    t.record(svc, [pod('a', '2024-05-01T10:05:00Z'), pod('b')]);
    assert.equal(t.compute(svc, [pod('a', '2024-05-01T10:05:00Z'), pod('b')]), undefined);
    const moved = [pod('a', '2024-05-01T10:09:00Z'), pod('b', '2024-05-01T10:07:00Z')];
    assert.equal(t.compute(svc, moved), '2024-05-01T10:07:00Z');
    assert.equal(t.compute(svc, moved), '2024-05-01T10:07:00Z', 'until recorded (a failed write is retried with the same time)');
    t.record(svc, moved);
    assert.equal(t.compute(svc, moved), undefined);
  });

  test('a forgotten Service starts over', () => {
    const t = new TriggerTimeTracker();
    t.record(svc, []);
    t.forget('ns', 'web');
    assert.equal(t.compute(svc, []), '2024-05-01T10:00:00Z');
  });

  test('times keep only the fraction digits they need', () => {
    assert.equal(formatTriggerTime(Date.parse('2024-05-01T10:00:00.000Z')), '2024-05-01T10:00:00Z');
    assert.equal(formatTriggerTime(Date.parse('2024-05-01T10:00:00.120Z')), '2024-05-01T10:00:00.12Z');
  });
});
