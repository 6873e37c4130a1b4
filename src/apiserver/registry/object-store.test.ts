import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../../api/catalogue.ts';
import { SqliteStore } from '../../storage/sqlite.ts';
import type { KeyValue } from '../../storage/store.ts';
import { StatusError } from '../errors.ts';
import { keyFor } from '../storage-keys.ts';
import { ObjectStore, type KObject } from './object-store.ts';

const configmaps = findResource('', 'v1', 'configmaps')!;
const KEY = keyFor(configmaps, 'default', 'cm');

/**
 * An ObjectStore whose cached values are whatever the test pinned (a stale copy, as a state
 * cache lagging behind the store would hold), over a real SQLite store.
 */
function withStores(fn: (objects: ObjectStore, pin: (kv: KeyValue | undefined) => void, store: SqliteStore) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-object-store-'));
    const store = SqliteStore.open(join(dir, 'state.db'));
    let pinned: KeyValue | undefined;
    const objects = new ObjectStore(store, { cachedValue: (key) => (pinned?.key === key ? pinned : undefined) });
    try {
      await fn(objects, (kv) => (pinned = kv), store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function stale(objects: ObjectStore, store: SqliteStore): Promise<KeyValue> {
  await objects.create(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, data: { step: 'one' } });
  const old = (await store.get(KEY))!;
  await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm) => ({ ...cm, data: { step: 'two' } }));
  return old;
}

test('an update worked out from a stale cached value is done again on the stored one, not lost', withStores(async (objects, pin, store) => {
  pin(await stale(objects, store));
  const seen: string[] = [];
  const updated = await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm: KObject) => {
    seen.push(cm.data.step);
    return { ...cm, data: { ...cm.data, extra: 'x' } };
  });
  assert.deepEqual(seen, ['one', 'two']);
  assert.deepEqual(updated.data, { step: 'two', extra: 'x' });
  assert.deepEqual((await objects.get(configmaps, 'default', 'cm')).data, { step: 'two', extra: 'x' });
}));

test('a refusal made on a stale cached value is checked against the stored one', withStores(async (objects, pin, store) => {
  pin(await stale(objects, store));
  const updated = await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm: KObject) => {
    if (cm.data.step !== 'two') throw new StatusError(409, 'Conflict', 'not yet at step two');
    return { ...cm, data: { step: 'three' } };
  });
  assert.equal(updated.data.step, 'three');
}));

test('no change on a stale cached value is checked against the stored one', withStores(async (objects, pin, store) => {
  pin(await stale(objects, store));
  const updated = await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm: KObject) => ({ ...cm, data: { step: 'one' } }));
  assert.equal(updated.data.step, 'one');
  assert.equal((await objects.get(configmaps, 'default', 'cm')).data.step, 'one');
}));

test('an expected revision is compared with the stored object, not a stale cached one', withStores(async (objects, pin, store) => {
  pin(await stale(objects, store));
  const current = await objects.get(configmaps, 'default', 'cm');
  const updated = await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm: KObject) => ({ ...cm, data: { step: 'three' } }), {
    expectedRevision: Number(current.metadata.resourceVersion),
  });
  assert.equal(updated.data.step, 'three');
  await assert.rejects(
    objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm: KObject) => ({ ...cm, data: { step: 'four' } }), { expectedRevision: Number(current.metadata.resourceVersion) }),
    (err: unknown) => err instanceof StatusError && err.code === 409,
  );
}));

test('an update that changes nothing writes nothing', withStores(async (objects, pin, store) => {
  await stale(objects, store);
  pin(await store.get(KEY));
  const before = await store.currentRevision();
  const same = await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm: KObject) => cm);
  assert.equal(await store.currentRevision(), before);
  assert.equal(same.data.step, 'two');
}));

test('a create or an update answers with the object as a read of it gives it, resourceVersion last', withStores(async (objects) => {
  const sent = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '', name: 'cm', namespace: 'default' }, data: { step: 'one' } };
  const created = await objects.create(configmaps, sent);
  assert.equal(JSON.stringify(created), JSON.stringify(await objects.get(configmaps, 'default', 'cm')));
  assert.deepEqual(Object.keys(created.metadata), ['name', 'namespace', 'resourceVersion']);
  assert.equal(sent.metadata.resourceVersion, '', "the caller's object is left as it was");
  const updated = await objects.guaranteedUpdate(configmaps, 'default', 'cm', (cm) => ({ ...cm, data: { step: 'two' } }));
  assert.equal(JSON.stringify(updated), JSON.stringify(await objects.get(configmaps, 'default', 'cm')));
  assert.notEqual(updated.metadata.resourceVersion, created.metadata.resourceVersion);
}));
