import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue } from '../storage/store.ts';
import { encodeMasterLease, masterLeaseKey, takeLeaseCensus } from './endpoint-reconciler-leases.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function lease(address: string, renewedAtMs: number, seconds = 15, revision = 1): KeyValue {
  return { key: masterLeaseKey(address), value: encodeMasterLease(address, renewedAtMs, seconds), createRevision: revision, modRevision: revision };
}

function raw(key: string, value: string): KeyValue {
  return { key, value, createRevision: 1, modRevision: 1 };
}

const cases: { name: string; leases: KeyValue[]; now: number; live: string[]; expired: string[] }[] = [
  { name: 'no leases', leases: [], now: T0, live: [], expired: [] },
  { name: 'a lease just renewed holds', leases: [lease('10.0.0.1', T0)], now: T0, live: ['10.0.0.1'], expired: [] },
  { name: 'a lease holds until just before its duration ends', leases: [lease('10.0.0.1', T0)], now: T0 + 14_999, live: ['10.0.0.1'], expired: [] },
  { name: 'a lease is gone once its duration has passed', leases: [lease('10.0.0.1', T0)], now: T0 + 15_000, live: [], expired: [masterLeaseKey('10.0.0.1')] },
  { name: 'the duration is the lease’s own', leases: [lease('10.0.0.1', T0, 60)], now: T0 + 30_000, live: ['10.0.0.1'], expired: [] },
  {
    name: 'live addresses in numeric order, dead ones to clean up',
    leases: [lease('10.0.0.10', T0), lease('10.0.0.9', T0), lease('10.0.0.2', T0 - 20_000)],
    now: T0 + 1000,
    live: ['10.0.0.9', '10.0.0.10'],
    expired: [masterLeaseKey('10.0.0.2')],
  },
  { name: 'IPv6 after IPv4', leases: [lease('fd00::1', T0), lease('10.0.0.1', T0)], now: T0, live: ['10.0.0.1', 'fd00::1'], expired: [] },
  {
    name: 'unreadable leases count as expired',
    leases: [raw(masterLeaseKey('a'), 'not json'), raw(masterLeaseKey('b'), '{"address":"nope","renewTime":"2026-01-01T00:00:00Z","leaseDurationSeconds":15}'), raw(masterLeaseKey('c'), '{"address":"10.0.0.3","renewTime":"x","leaseDurationSeconds":15}')],
    now: T0,
    live: [],
    expired: [masterLeaseKey('a'), masterLeaseKey('b'), masterLeaseKey('c')],
  },
];

for (const c of cases) {
  test(`lease census: ${c.name}`, () => {
    const census = takeLeaseCensus(c.leases, c.now);
    assert.deepEqual(census.live, c.live);
    assert.deepEqual(census.expired.map((kv) => kv.key), c.expired);
  });
}
