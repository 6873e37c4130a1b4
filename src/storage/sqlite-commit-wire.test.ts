import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Outcome, Write } from './sqlite-commit.ts';
import { decodeOutcomes, encodeOutcomes } from './sqlite-commit-wire.ts';

test('outcomes cross the thread boundary and come back as the same Outcome objects', () => {
  const writes: Write[] = [
    { kind: 'create', key: '/a', value: 'A1' },
    { kind: 'update', key: '/b', value: 'B2', expectedRevision: 3 },
    { kind: 'delete', key: '/c', expectedRevision: 4 },
    { kind: 'create', key: '/a', value: 'again' },
    { kind: 'update', key: '/d', value: 'D', expectedRevision: 1 },
    { kind: 'update', key: '/b', value: 'B3', expectedRevision: 3 },
  ];
  const a = { key: '/a', value: 'A1', createRevision: 10, modRevision: 10 };
  const b = { key: '/b', value: 'B2', createRevision: 2, modRevision: 11 };
  const bPrev = { key: '/b', value: 'B1', createRevision: 2, modRevision: 3 };
  const c = { key: '/c', value: 'C', createRevision: 4, modRevision: 12 };
  const cPrev = { key: '/c', value: 'C', createRevision: 4, modRevision: 4 };
  const outcomes: Outcome[] = [
    { kv: a, event: { type: 'PUT', kv: a } },
    { kv: b, event: { type: 'PUT', kv: b, prevKv: bPrev } },
    { kv: c, event: { type: 'DELETE', kv: c, prevKv: cPrev } },
    { refused: 'exists', key: '/a' },
    { refused: 'notFound', key: '/d' },
    { refused: 'conflict', key: '/b', current: b },
  ];
  const wire = structuredClone(encodeOutcomes(outcomes));
  const decoded = decodeOutcomes(writes, wire);
  assert.deepEqual(decoded, outcomes);
  const done = decoded[1] as Extract<Outcome, { kv: unknown }>;
  assert.equal(done.kv, done.event.kv, 'the answer and the watch event share one KeyValue, as before');
  assert.throws(() => decodeOutcomes(writes.slice(1), wire), /6 outcomes for 5 writes/);
});
