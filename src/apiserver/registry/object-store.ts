/**
 * Objects over the key-value Store: JSON encoding, resourceVersion = modRevision, and store
 * errors turned into API errors. `guaranteedUpdate` is the read-modify-CAS loop every write
 * of an existing object goes through (upstream's GuaranteedUpdate).
 */
import type { ResourceInfo } from '../../api/resource.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError, StoreUnavailableError, type KeyValue, type ListResult, type Store } from '../../storage/store.ts';
import { alreadyExists, conflict, expired, notFound, serviceUnavailable, StatusError } from '../errors.ts';
import { keyFor, prefixFor } from '../storage-keys.ts';
import { fromStorageVersion, toStorageVersion } from '../../api/versions/index.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObject = Record<string, any>;

export function decodeObject(kv: KeyValue): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

/**
 * What {@link decodeObject} would make of `kv`, given `stored`, the object `kv.value` was
 * encoded from: a copy of it with the write's resourceVersion, put last in metadata as parsing
 * the text and setting it would. Nested members are shared with `stored`, which the write's
 * caller built for this write alone; the parse this saves is a tenth of a create's cost.
 */
function storedObject(stored: KObject, kv: KeyValue): KObject {
  const { resourceVersion: _rv, ...metadata } = stored.metadata ?? {};
  metadata.resourceVersion = String(kv.modRevision);
  return { ...stored, metadata };
}

export function encodeObject(obj: KObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata });
}

/**
 * The text to store for `next`, or undefined when it is what `current` holds already. Stored
 * texts are JSON.stringify output, which JSON.parse and JSON.stringify reproduce exactly, so
 * when the storage version is the served one comparing texts is comparing objects; otherwise
 * the objects are compared in the served version, as the conversion may not round-trip.
 */
function changedText(r: ResourceInfo, next: KObject, current: KeyValue): { stored: KObject; text: string } | undefined {
  const stored = toStorageVersion(r, next);
  const text = encodeObject(stored);
  if (text === current.value) return undefined;
  if (stored !== next && encodeObject(next) === encodeObject(fromStorageVersion(r, decodeObject(current)))) return undefined;
  return { stored, text };
}

/** Store failures a client can act on, as Status errors. */
export function storeError(err: unknown, r: ResourceInfo, name: string): unknown {
  if (err instanceof StatusError) return err;
  const subject = { group: r.group, resource: r.plural, name };
  if (err instanceof KeyExistsError) return alreadyExists(subject);
  if (err instanceof KeyNotFoundError) return notFound(subject);
  if (err instanceof ConflictError) return conflict(subject, 'the object has been modified; please apply your changes to the latest version and try again');
  if (err instanceof CompactedError) return expired(`too old resource version: ${err.requested} (${err.compacted})`);
  if (err instanceof StoreUnavailableError) return serviceUnavailable(`the datastore is unavailable: ${err.message}`);
  return err;
}

export interface ListPage {
  items: KObject[];
  revision: number;
  /** Key to continue from, when more remain. */
  continueKey?: string;
  remaining: number;
}

/** One stored entry of a list page: its stored text, and the object when a filter already parsed it. */
export interface StoredEntry {
  kv: KeyValue;
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

/**
 * One page of a collection as stored, in key order at one revision, over-reading in chunks
 * when a selector filters. Each entry keeps its stored text and is parsed only when the filter
 * must look at it, so an unfiltered list can be answered from the text without parsing.
 */
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

/**
 * What `tryUpdate` returns: the new object, or `undefined` to leave it unchanged. The object it
 * is given is its own (parsed for this attempt), so it may change and return it.
 */
export type TryUpdate = (current: KObject) => KObject | undefined | Promise<KObject | undefined>;

/** The newest value of a key the API server holds in memory (its state cache), possibly stale; undefined when it has none. */
export type CachedValue = (key: string) => KeyValue | undefined;

export interface ObjectStoreOptions {
  /**
   * Where a write's first attempt reads the object (upstream's cachedExistingObject), so the
   * read before nearly every write costs no datastore read. A stale value costs one retry:
   * it is refreshed from the store whenever the attempt fails, conflicts or changes nothing.
   */
  cachedValue?: CachedValue;
}

export class ObjectStore {
  private readonly cachedValue: CachedValue | undefined;

  constructor(
    readonly store: Store,
    options: ObjectStoreOptions = {},
  ) {
    this.cachedValue = options.cachedValue;
  }

  private async readKey(r: ResourceInfo, key: string, name: string): Promise<KeyValue> {
    let kv: KeyValue | undefined;
    try {
      kv = await this.store.get(key);
    } catch (err) {
      throw storeError(err, r, name);
    }
    if (!kv) throw notFound({ group: r.group, resource: r.plural, name });
    return kv;
  }

  async get(r: ResourceInfo, namespace: string, name: string): Promise<KObject> {
    return fromStorageVersion(r, decodeObject(await this.readKey(r, keyFor(r, namespace, name), name)));
  }

  async tryGet(r: ResourceInfo, namespace: string, name: string): Promise<KObject | undefined> {
    const kv = await this.tryGetStored(r, namespace, name);
    return kv ? fromStorageVersion(r, decodeObject(kv)) : undefined;
  }

  /** The object as stored (text and revisions), not parsed; undefined when absent. */
  tryGetStored(r: ResourceInfo, namespace: string, name: string): Promise<KeyValue | undefined> {
    return this.store.get(keyFor(r, namespace, name)).catch((err) => {
      throw storeError(err, r, name);
    });
  }

  /**
   * Reads objects in key order until `limit` pass `filter` (all of them without a limit),
   * at one revision so pages are consistent. `source` reads instead of the store (the API
   * server's state cache).
   */
  async list(
    r: ResourceInfo,
    namespace: string,
    options: { limit?: number; startKey?: string; revision?: number; filter?: (o: KObject) => boolean; source?: Pick<Store, 'list'> },
  ): Promise<ListPage> {
    const page = await listStored(r, options.source ?? this.store, prefixFor(r, namespace), {
      limit: options.limit && options.limit > 0 ? options.limit : 0,
      startKey: options.startKey,
      revision: options.revision ?? 0,
      filter: options.filter,
    });
    return { items: page.entries.map((e) => entryObject(r, e)), revision: page.revision, continueKey: page.continueKey, remaining: page.remaining };
  }

  async create(r: ResourceInfo, obj: KObject): Promise<KObject> {
    const name = obj.metadata.name as string;
    try {
      const stored = toStorageVersion(r, obj);
      const kv = await this.store.create(keyFor(r, obj.metadata.namespace ?? '', name), encodeObject(stored));
      return fromStorageVersion(r, storedObject(stored, kv));
    } catch (err) {
      throw storeError(err, r, name);
    }
  }

  /**
   * Reads the object, lets `tryUpdate` compute the new one and writes it with compare-and-swap,
   * retrying on a race unless `expectedRevision` pins the version the caller saw. The first
   * attempt may work from the cached value (see {@link ObjectStoreOptions.cachedValue}); as
   * upstream's GuaranteedUpdate, any outcome that stale data could explain (a refusal from
   * `tryUpdate`, a revision other than the expected one, no change) is tried again on the
   * store's value before it stands.
   */
  async guaranteedUpdate(
    r: ResourceInfo,
    namespace: string,
    name: string,
    tryUpdate: TryUpdate,
    options: { expectedRevision?: number } = {},
  ): Promise<KObject> {
    const key = keyFor(r, namespace, name);
    let kv = this.cachedValue?.(key);
    let fresh = !kv;
    if (!kv) kv = await this.readKey(r, key, name);
    /** Replaces a cached value with the store's; false when the value is the store's already. */
    const refresh = async (): Promise<boolean> => {
      if (fresh) return false;
      kv = await this.readKey(r, key, name);
      fresh = true;
      return true;
    };
    for (let attempt = 0; ; attempt++) {
      const currentRev = kv.modRevision;
      if (options.expectedRevision !== undefined && options.expectedRevision !== currentRev) {
        if (await refresh()) continue;
        throw conflict({ group: r.group, resource: r.plural, name }, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      let next: KObject | undefined;
      try {
        next = await tryUpdate(fromStorageVersion(r, decodeObject(kv)));
      } catch (err) {
        if (await refresh()) continue;
        throw err;
      }
      const change = next === undefined ? undefined : changedText(r, next, kv);
      if (change === undefined) {
        if (await refresh()) continue;
        return fromStorageVersion(r, decodeObject(kv));
      }
      try {
        const written = await this.store.update(key, change.text, currentRev);
        return fromStorageVersion(r, storedObject(change.stored, written));
      } catch (err) {
        if (err instanceof ConflictError && options.expectedRevision === undefined && attempt < 20) {
          kv = err.current;
          fresh = true;
          continue;
        }
        throw storeError(err, r, name);
      }
    }
  }

  /** Removes the object if still at `expectedRevision`; returns it as last stored. */
  async delete(r: ResourceInfo, namespace: string, name: string, expectedRevision?: number): Promise<KObject> {
    try {
      const kv = await this.store.delete(keyFor(r, namespace, name), expectedRevision);
      return fromStorageVersion(r, decodeObject(kv));
    } catch (err) {
      throw storeError(err, r, name);
    }
  }
}
