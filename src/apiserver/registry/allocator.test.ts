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

/** A store that says which reads went over a whole prefix (list or count). */
function observed(store: SqliteStore): { store: SqliteStore; rangeReads: string[] } {
  const rangeReads: string[] = [];
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if ((name === 'list' || name === 'count') && typeof value === 'function') {
        return (...args: unknown[]) => {
          rangeReads.push(String(name));
          return value.apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, rangeReads };
}

/** A seeded generator, so a run's random values are the same every time. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

test('allocating in a mostly free range reads no other claim (no count or list per Service)', withStore(async (raw) => {
  const { store, rangeReads } = observed(raw);
  const a = new Allocator(store, '/registry/ranges/serviceips/', cidrRange('10.43.0.0/16'), seeded(7));
  const values = new Set<string>();
  for (let i = 0; i < 200; i++) values.add(await a.allocateNext(`ns/s${i}`));
  assert.equal(values.size, 200);
  assert.deepEqual(rangeReads, []);
}));

test('a nearly full range still hands out its last free values, found through one list', withStore(async (store) => {
  const a = new Allocator(store, '/registry/ranges/serviceips/', cidrRange('10.2.0.0/26'), seeded(3));
  const got = new Set<string>();
  for (let i = 0; i < 62; i++) got.add(await a.allocateNext(`ns/s${i}`));
  assert.equal(got.size, 62);
  await assert.rejects(a.allocateNext('ns/extra'), (e: unknown) => e instanceof AllocationError && e.reason === 'full');
}));

test('a dry run never offers a value that is taken', withStore(async (store) => {
  // 6 of a /28's 14 addresses taken: fewer than half, where a dry run used to offer a random value unchecked.
  const a = new Allocator(store, '/registry/ranges/serviceips/', cidrRange('10.3.0.0/28'), seeded(11));
  const taken = new Set<string>();
  for (let i = 0; i < 6; i++) taken.add(await a.allocateNext(`ns/s${i}`));
  for (let i = 0; i < 50; i++) assert.ok(!taken.has(await a.peekFree()), 'peekFree offered a taken value');
}));
