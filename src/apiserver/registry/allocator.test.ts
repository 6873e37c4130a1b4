import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../storage/sqlite.ts';
import { Allocator, AllocationError, cidrRange, portRange } from './allocator.ts';

function withStore(fn: (store: SqliteStore) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-alloc-'));
    const store = SqliteStore.open(join(dir, 'state.db'));
    try {
      await fn(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a CIDR range excludes the network and broadcast addresses', () => {
  const r = cidrRange('10.43.0.0/16');
  assert.equal(r.format(r.first), '10.43.0.1');
  assert.equal(r.format(r.last), '10.43.255.254');
  assert.throws(() => cidrRange('10.43.0.0'), /invalid service CIDR/);
});

test('values are never handed out twice, and come back when released', withStore(async (store) => {
  // A /29 has six usable addresses: take them all, then one more must fail.
  const a = new Allocator(store, '/registry/ranges/serviceips/', cidrRange('10.0.0.0/29'));
  const got = new Set<string>();
  for (let i = 0; i < 6; i++) got.add(await a.allocateNext(`default/s${i}`));
  assert.equal(got.size, 6);
  await assert.rejects(a.allocateNext('default/extra'), (e: unknown) => e instanceof AllocationError && e.reason === 'full');
  const one = [...got][0];
  await a.release(one);
  assert.equal(await a.allocateNext('default/again'), one);
}));

test('a specific value can be claimed once and must be in range', withStore(async (store) => {
  const a = new Allocator(store, '/registry/ranges/servicenodeports/', portRange(30000, 32767));
  await a.allocate('30080', 'default/web');
  await assert.rejects(a.allocate('30080', 'default/other'), (e: unknown) => e instanceof AllocationError && e.reason === 'taken');
  await assert.rejects(a.allocate('8080', 'default/other'), (e: unknown) => e instanceof AllocationError && e.reason === 'outOfRange');
  assert.deepEqual([...(await a.allocated()).entries()], [['30080', 'default/web']]);
}));

test('concurrent allocations never collide', withStore(async (store) => {
  const a = new Allocator(store, '/registry/ranges/serviceips/', cidrRange('10.1.0.0/27'));
  const values = await Promise.all(Array.from({ length: 30 }, (_, i) => a.allocateNext(`ns/s${i}`)));
  assert.equal(new Set(values).size, 30);
}));
