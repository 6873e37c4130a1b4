import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportStore } from './export.ts';
import { InvalidExportError } from './export-format.ts';
import { DatastoreNotEmptyError, importStore } from './export-import.ts';
import { EtcdStore } from './etcd.ts';
import { startEtcd } from './etcd.test-support.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-export-'));
after(() => rm(root, { recursive: true, force: true }));
let stores = 0;

function newStore(): SqliteStore {
  const store = SqliteStore.open(join(root, `${stores++}.db`));
  after(() => store.close());
  return store;
}

/** A writable that keeps what it is given, and can act on its first write. */
function collector(onFirstWrite?: () => void): Writable & { text(): string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      if (chunks.length === 0) onFirstWrite?.();
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(out, { text: () => chunks.join('') });
}

async function exported(store: Store): Promise<string[]> {
  const out = collector();
  await exportStore(store, out);
  return out.text().trimEnd().split('\n');
}

const source = (lines: string[]) => async function* () {
  yield* lines;
};

async function everything(store: Store): Promise<[string, string][]> {
  return (await store.list('')).items.map((kv) => [kv.key, kv.value]);
}

test('a datastore survives export and import into another, every key and value intact', async () => {
  const from = newStore();
  // More keys than one page, values with newlines, quotes and non-ASCII text, keys outside /registry/.
  const keys = Array.from({ length: 1234 }, (_, i) => `/registry/configmaps/default/cm-${String(i).padStart(4, '0')}`);
  await Promise.all(keys.map((key, i) => from.create(key, JSON.stringify({ data: { i: String(i), text: 'line one\nline "two" — ü' } }))));
  await from.create('/bootstrap/cluster', '{"sealed":true}');
  await from.delete(keys[7]);
  await from.update(keys[8], 'updated', (await from.get(keys[8]))!.modRevision);

  const lines = await exported(from);
  assert.equal(JSON.parse(lines[0]).revision, await from.currentRevision());
  assert.deepEqual(JSON.parse(lines.at(-1)!), { end: true, count: 1234 });

  const to = newStore();
  const progress: number[] = [];
  const result = await importStore(to, source(lines), { onProgress: (n) => progress.push(n) });
  assert.equal(result.count, 1234);
  assert.deepEqual(await everything(to), await everything(from));
  assert.equal(progress.at(-1), 1234);
});

test('an export is one snapshot: writes made while it runs are not in it', async () => {
  const store = newStore();
  const keys = Array.from({ length: 600 }, (_, i) => `/registry/k/${String(i).padStart(3, '0')}`);
  await Promise.all(keys.map((key) => store.create(key, 'before')));
  const last = (await store.get(keys[599]))!;
  const writes: Promise<unknown>[] = [];
  const out = collector(() => writes.push(store.create('/registry/k/later', 'new'), store.update(keys[599], 'after', last.modRevision)));
  await exportStore(store, out);
  await Promise.all(writes);
  const text = out.text();
  assert.ok(!text.includes('/registry/k/later'));
  assert.ok(text.includes(`{"key":"${keys[599]}","value":"before"}`));
});

test('import refuses a datastore that holds anything, and writes nothing to it', async () => {
  const from = newStore();
  await from.create('/registry/a', '1');
  const lines = await exported(from);
  const to = newStore();
  await to.create('/registry/existing', 'x');
  await assert.rejects(importStore(to, source(lines)), DatastoreNotEmptyError);
  assert.deepEqual(await everything(to), [['/registry/existing', 'x']]);
});

test('a file cut short imports nothing', async () => {
  const from = newStore();
  await Promise.all(['/registry/a', '/registry/b', '/registry/c'].map((k) => from.create(k, 'v')));
  const lines = await exported(from);
  const to = newStore();
  await assert.rejects(importStore(to, source(lines.slice(0, -1))), InvalidExportError);
  assert.equal(await to.count(''), 0);
});

test('a datastore moves from SQLite into etcd and back unchanged', async () => {
  const etcd = await startEtcd();
  after(() => etcd.stop());
  const from = newStore();
  const keys = Array.from({ length: 700 }, (_, i) => `/registry/secrets/ns/s-${String(i).padStart(3, '0')}`);
  await Promise.all(keys.map((key, i) => from.create(key, JSON.stringify({ i, text: 'ü\n"' }))));
  await from.create('/bootstrap/cluster', 'sealed');

  const intoEtcd = await EtcdStore.connect(etcd.endpoint, { log: () => {} });
  after(() => intoEtcd.close());
  assert.equal((await importStore(intoEtcd, source(await exported(from)))).count, 701);
  assert.deepEqual(await everything(intoEtcd), await everything(from));

  const back = newStore();
  await importStore(back, source(await exported(intoEtcd)));
  assert.deepEqual(await everything(back), await everything(from));
  await assert.rejects(importStore(intoEtcd, source(await exported(from))), DatastoreNotEmptyError);
});
