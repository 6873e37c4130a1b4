/**
 * One parsed copy of each object version for every informer of a process that shares a pool.
 * The controller manager and the scheduler run in one process with informers of their own
 * (each watches the API server over its own connection and parses its own copy): at 150,000
 * pods two parsed copies of every pod were ~0.8 GB. An informer hands each object it receives
 * to the pool, which answers the copy it already holds of that object at that version, if
 * any, so both caches hold the same object.
 *
 * Entries are weak: the pool keeps nothing alive, a copy goes once no cache (or handler)
 * holds it, and a finalizer then forgets its entry. A copy is found by uid (a string the
 * object holds anyway) and must match apiVersion, kind and resourceVersion; a newer version
 * takes over the entry. Pooled objects are shared between components: never change them (the
 * informer's rule already).
 */
import type { KubeObject } from './rest-client.ts';

export class ObjectPool {
  private readonly entries = new Map<string, WeakRef<KubeObject>>();
  private readonly finalizer = new FinalizationRegistry<string>((uid) => {
    if (this.entries.get(uid)?.deref() === undefined) this.entries.delete(uid);
  });

  /** The pooled copy of `obj` (same uid, apiVersion, kind and resourceVersion), else `obj`, pooled from now on. */
  intern<T extends KubeObject>(obj: T): T {
    const m = obj.metadata;
    const uid = m?.uid;
    if (!uid || !m.resourceVersion) return obj;
    const held = this.entries.get(uid)?.deref();
    if (held && held.metadata?.resourceVersion === m.resourceVersion && held.apiVersion === obj.apiVersion && held.kind === obj.kind) return held as T;
    this.entries.set(uid, new WeakRef(obj));
    this.finalizer.register(obj, uid);
    return obj;
  }

  /** Entries held (some may be waiting for their finalizer). */
  get size(): number {
    return this.entries.size;
  }
}

/** The pool of the process's shared informers (see InformerFactoryOptions.shareObjects). */
export const processObjectPool = new ObjectPool();
