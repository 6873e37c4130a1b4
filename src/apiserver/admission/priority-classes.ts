/**
 * The stored PriorityClasses, as priority admission reads them on every pod create. The list
 * (every create of a pod naming no class looks for the global default) is read from the API
 * server's state cache once it has caught up with the store, as upstream's admission reads an
 * informer's lister, and each class is parsed once per revision rather than once per pod.
 */
import { findResource } from '../../api/catalogue.ts';
import type { StateCache } from '../../storage/state-cache.ts';
import type { KeyValue } from '../../storage/store.ts';
import { entryObject, type ObjectStore } from '../registry/object-store.ts';
import { prefixFor } from '../storage-keys.ts';
import type { PriorityClassLike, PriorityClassSource } from './priority.ts';

const PRIORITY_CLASSES = findResource('scheduling.k8s.io', 'v1', 'priorityclasses')!;
const PREFIX = prefixFor(PRIORITY_CLASSES, '');

/** Classes from `objects`, listed from `cache` when it can answer for the latest state. */
export function storedPriorityClasses(objects: ObjectStore, cache?: StateCache): PriorityClassSource {
  /** key → the class parsed at that key's modRevision; shared by callers, who must not change it. */
  let parsed = new Map<string, { modRevision: number; pc: PriorityClassLike }>();
  const fromCache = (items: KeyValue[]): PriorityClassLike[] => {
    const next = new Map<string, { modRevision: number; pc: PriorityClassLike }>();
    for (const kv of items) {
      const known = parsed.get(kv.key);
      next.set(kv.key, known?.modRevision === kv.modRevision ? known : { modRevision: kv.modRevision, pc: entryObject(PRIORITY_CLASSES, { kv }) as PriorityClassLike });
    }
    parsed = next;
    return [...next.values()].map((e) => e.pc);
  };
  return {
    get: async (name) => (await objects.tryGet(PRIORITY_CLASSES, '', name)) as PriorityClassLike | undefined,
    list: async () => {
      const listed = cache && (await cache.waitFor()) ? cache.list(PREFIX) : undefined;
      if (listed) return fromCache(listed.items);
      return (await objects.list(PRIORITY_CLASSES, '', {})).items as PriorityClassLike[];
    },
  };
}
