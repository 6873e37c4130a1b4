import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyOf, LABEL_INDEX, NAMESPACE_INDEX, NODE_NAME_INDEX, ObjectCache, OWNER_INDEX, splitKey } from './store.ts';

interface Obj {
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; ownerReferences?: any[] };
  spec?: { nodeName?: string };
}

const pod = (name: string, rv: string, extra: Partial<Obj['metadata']> = {}, nodeName?: string): Obj => ({
  metadata: { name, namespace: 'ns1', resourceVersion: rv, ...extra },
  ...(nodeName ? { spec: { nodeName } } : {}),
});
const names = (objs: Obj[]) => objs.map((o) => o.metadata.name).sort();

describe('ObjectCache', () => {
  test('keys are namespace/name, or name for cluster-scoped objects', () => {
    assert.equal(keyOf({ metadata: { name: 'a', namespace: 'ns' } }), 'ns/a');
    assert.equal(keyOf({ metadata: { name: 'node1' } }), 'node1');
    assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
    assert.deepEqual(splitKey('node1'), { name: 'node1' });
  });

  test('the built-in indexes find objects by namespace, label, owner and node, and follow changes', () => {
    const c = new ObjectCache<Obj>();
    c.set(pod('a', '1', { labels: { app: 'web' }, ownerReferences: [{ uid: 'rs-1' }] }, 'n1'));
    c.set(pod('b', '1', { labels: { app: 'db' } }, 'n1'));
    c.set({ metadata: { name: 'c', namespace: 'ns2', labels: { app: 'web' } } });
    assert.deepEqual(names(c.byIndex(NAMESPACE_INDEX, 'ns1')), ['a', 'b']);
    assert.deepEqual(names(c.byIndex(LABEL_INDEX, 'app=web')), ['a', 'c']);
    assert.deepEqual(names(c.byIndex(OWNER_INDEX, 'rs-1')), ['a']);
    assert.deepEqual(names(c.byIndex(NODE_NAME_INDEX, 'n1')), ['a', 'b']);

    c.set(pod('a', '2', { labels: { app: 'db' } }, 'n2'));
    assert.deepEqual(names(c.byIndex(LABEL_INDEX, 'app=web')), ['c']);
    assert.deepEqual(names(c.byIndex(LABEL_INDEX, 'app=db')), ['a', 'b']);
    assert.deepEqual(c.byIndex(OWNER_INDEX, 'rs-1'), []);
    assert.deepEqual(names(c.byIndex(NODE_NAME_INDEX, 'n1')), ['b']);

    c.delete('ns1/b');
    assert.deepEqual(names(c.byIndex(LABEL_INDEX, 'app=db')), ['a']);
    assert.equal(c.getByName('ns1', 'b'), undefined);
    assert.throws(() => c.byIndex('nope', 'x'), /no index named "nope"/);
  });

  test('a plugged-in index covers objects cached before it was added', () => {
    const c = new ObjectCache<Obj>();
    c.set(pod('a', '1', { labels: { tier: 'front' } }));
    c.addIndexer('tier', (o) => (o.metadata.labels?.tier ? [o.metadata.labels.tier] : []));
    c.set(pod('b', '1', { labels: { tier: 'front' } }));
    assert.deepEqual(names(c.byIndex('tier', 'front')), ['a', 'b']);
  });

  test("an index nobody reads costs nothing per change: its function first runs when the index is read", () => {
    const c = new ObjectCache<Obj>({});
    let calls = 0;
    c.addIndexer('node', (o) => (calls++, o.spec?.nodeName ? [o.spec.nodeName] : []));
    c.set(pod('a', '1', {}, 'n1'));
    c.set(pod('a', '2', {}, 'n2'));
    c.set(pod('b', '1', {}, 'n1'));
    c.delete('ns1/b');
    assert.equal(calls, 0);
    assert.deepEqual(names(c.byIndex('node', 'n2')), ['a']);
    assert.deepEqual(c.byIndex('node', 'n1'), []);
    c.set(pod('c', '1', {}, 'n1'));
    assert.deepEqual(names(c.byIndex('node', 'n1')), ['c']);
  });

  test('replace reports exactly what changed: new objects, changed resourceVersions, objects gone', () => {
    const c = new ObjectCache<Obj>();
    const a1 = pod('a', '1');
    c.set(a1);
    c.set(pod('b', '1'));
    c.set(pod('c', '1'));
    const deltas = c.replace([pod('a', '1'), pod('b', '5'), pod('d', '6')]);
    const summary = deltas.map((d) => `${d.type} ${d.object.metadata.name}`).sort();
    assert.deepEqual(summary, ['added d', 'deleted c', 'updated b']);
    const updated = deltas.find((d) => d.type === 'updated');
    assert.equal(updated?.type === 'updated' && updated.old.metadata.resourceVersion, '1');
    assert.equal(c.get('ns1/a'), a1, 'an unchanged object is kept as it was');
    assert.deepEqual(c.keys().sort(), ['ns1/a', 'ns1/b', 'ns1/d']);
  });
});
