import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.test-support.ts';
import { ObjectPool } from './informer-pool.ts';
import { Informer, stripManagedFields, type ListerWatcher } from './informer.ts';
import type { KubeList, KubeObject, WatchEvent } from './rest-client.ts';

const pod = (name: string, rv: number, phase: string): KubeObject & { status: { phase: string } } => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: String(rv), managedFields: [{ manager: 'm', operation: 'Update' }] },
  status: { phase },
});

/** A fake API serving every informer its own parsed copies, as separate connections do. */
class Source implements ListerWatcher<KubeObject> {
  objects = new Map<string, KubeObject>();
  revision = 0;
  private watchers = new Set<(e: WatchEvent<KubeObject>) => void>();

  async list(): Promise<KubeList<KubeObject>> {
    return { metadata: { resourceVersion: String(this.revision) }, items: [...this.objects.values()].map((o) => structuredClone(o)) };
  }

  watch(_options: unknown, onEvent: (e: WatchEvent<KubeObject>) => void) {
    this.watchers.add(onEvent);
    return { stop: () => this.watchers.delete(onEvent) };
  }

  put(name: string, phase: string): void {
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    const o = pod(name, ++this.revision, phase);
    this.objects.set(name, o);
    for (const w of this.watchers) w({ type, object: structuredClone(o) });
  }
}

const informer = (src: Source, pool?: ObjectPool) => new Informer(src, { clock: new FakeClock(), log: () => {}, transform: stripManagedFields, pool });

describe('ObjectPool', () => {
  test('answers the copy it holds of the same object version, and takes a newer version over', () => {
    const pool = new ObjectPool();
    const a = pool.intern(pod('a', 1, 'Pending'));
    assert.equal(pool.intern(pod('a', 1, 'Pending')), a);
    const newer = pod('a', 2, 'Running');
    assert.equal(pool.intern(newer), newer);
    assert.equal(pool.intern(pod('a', 2, 'Running')), newer);
    const otherVersion = { ...pod('a', 2, 'Running'), apiVersion: 'v2' };
    assert.equal(pool.intern(otherVersion), otherVersion, 'another apiVersion of the same object is not shared');
    const noUid = { metadata: { name: 'x', resourceVersion: '1' } };
    assert.equal(pool.intern(noUid), noUid);
  });
});

describe('Informer transform and pool', () => {
  test('cached and delivered objects have no managedFields', async () => {
    const src = new Source();
    src.put('a', 'Pending');
    const inf = informer(src);
    const delivered: KubeObject[] = [];
    inf.addEventHandler({ onAdd: (o) => delivered.push(o), onUpdate: (_old, o) => delivered.push(o) });
    inf.start();
    await inf.waitForSync();
    src.put('a', 'Running');
    src.put('b', 'Pending');
    assert.deepEqual(delivered.map((o) => [o.metadata?.name, (o as { status: { phase: string } }).status.phase, o.metadata?.managedFields]), [
      ['a', 'Pending', undefined],
      ['a', 'Running', undefined],
      ['b', 'Pending', undefined],
    ]);
    assert.deepEqual(Object.keys(inf.cache.get('ns/a')!.metadata!), ['name', 'namespace', 'uid', 'resourceVersion']);
    inf.stop();
  });

  test('informers sharing a pool hold one copy of each object version', async () => {
    const src = new Source();
    src.put('a', 'Pending');
    const pool = new ObjectPool();
    const first = informer(src, pool);
    const second = informer(src, pool);
    const alone = informer(src);
    for (const i of [first, second, alone]) i.start();
    await Promise.all([first, second, alone].map((i) => i.waitForSync()));
    assert.equal(first.cache.get('ns/a'), second.cache.get('ns/a'));
    assert.notEqual(first.cache.get('ns/a'), alone.cache.get('ns/a'));
    const before = first.cache.get('ns/a');
    src.put('a', 'Running');
    src.put('b', 'Pending');
    for (const key of ['ns/a', 'ns/b']) assert.equal(first.cache.get(key), second.cache.get(key));
    assert.notEqual(first.cache.get('ns/a'), before);
    assert.deepEqual(second.cache.get('ns/a'), alone.cache.get('ns/a'));
    for (const i of [first, second, alone]) i.stop();
  });
});
