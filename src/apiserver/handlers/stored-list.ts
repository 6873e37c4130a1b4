/**
 * One page of a collection as stored: like `ObjectStore.list` (key order, at one revision,
 * over-reading in chunks when a selector filters), but each entry keeps its stored text and
 * is parsed only when a selector has to look at it, so an unfiltered list can be answered
 * from the text ({@link storedJsonWithVersion}) without parsing anything.
 */
import type { ResourceInfo } from '../../api/resource.ts';
import { fromStorageVersion } from '../../api/versions/index.ts';
import type { KeyValue, ListResult, Store } from '../../storage/store.ts';
import { decodeObject, storeError, type KObject } from '../registry/object-store.ts';

export interface StoredEntry {
  kv: KeyValue;
  /** The object, when a filter already parsed it. */
  object?: KObject;
}

export interface StoredPage {
  entries: StoredEntry[];
  revision: number;
  /** Key to continue from, when more remain. */
  continueKey?: string;
  remaining: number;
}

/** The object of an entry, as `r`'s version (parsed now unless a filter already did). */
export function entryObject(r: ResourceInfo, entry: StoredEntry): KObject {
  return entry.object ?? fromStorageVersion(r, decodeObject(entry.kv));
}

export async function listStored(
  r: ResourceInfo,
  source: Pick<Store, 'list'>,
  prefix: string,
  options: { limit: number; startKey?: string; revision: number; filter?: (o: KObject) => boolean },
): Promise<StoredPage> {
  const { limit, filter } = options;
  const entries: StoredEntry[] = [];
  let startKey = options.startKey;
  let revision = options.revision;
  // Over-read in chunks when filtering, as upstream does, so one page needs few reads.
  const chunk = limit ? Math.max(limit, filter ? 500 : limit) : 0;
  for (;;) {
    let page: ListResult;
    try {
      page = await source.list(prefix, { revision, limit: chunk || undefined, startKey });
    } catch (err) {
      throw storeError(err, r, '');
    }
    revision = page.revision;
    for (let i = 0; i < page.items.length; i++) {
      const kv = page.items[i];
      let object: KObject | undefined;
      if (filter) {
        object = fromStorageVersion(r, decodeObject(kv));
        if (!filter(object)) continue;
      }
      entries.push({ kv, object });
      if (limit && entries.length === limit) {
        const hasMore = i < page.items.length - 1 || page.more;
        if (!hasMore) return { entries, revision, remaining: 0 };
        const remaining = filter ? 0 : page.items.length - 1 - i + page.remaining;
        return { entries, revision, continueKey: kv.key + '\u0000', remaining };
      }
    }
    if (!page.more || page.items.length === 0) return { entries, revision, remaining: 0 };
    startKey = page.items[page.items.length - 1].key + '\u0000';
  }
}
