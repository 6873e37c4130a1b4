/**
 * The storage contract every backend (SQLite, etcd) implements. It is etcd's contract:
 * one global revision that grows by one per write; every key remembers the revision that
 * created it and the one that last modified it; writes take the revision they expect
 * (compare-and-swap); watches replay every change after a revision, in order; history
 * before the compacted revision is gone and asking for it fails with {@link CompactedError}.
 *
 * Values are opaque strings (the API server stores JSON). The API server maps
 * `modRevision` to `metadata.resourceVersion`.
 */

/** One key as stored at some revision. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (the first create since it last did not exist). */
  createRevision: number;
  /** Revision of the write that produced this value. */
  modRevision: number;
}

/** Options for {@link Store.list}. */
export interface ListOptions {
  /** Read as of this revision (0 or absent: the current revision). Fails with CompactedError if compacted. */
  revision?: number;
  /** At most this many items (0 or absent: all). */
  limit?: number;
  /** Start from this key, inclusive (used for continue tokens); must begin with the prefix. */
  startKey?: string;
}

/** The result of {@link Store.list}. Items are sorted by key. */
export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at; pass it back as `revision` to continue consistently. */
  revision: number;
  /** Whether more items follow the last one returned (only when a limit cut the list). */
  more: boolean;
  /** How many items follow the last one returned (0 when `more` is false). */
  remaining: number;
}

/**
 * A change seen by a watch. For `DELETE`, `kv.value` is the value the key held just before,
 * and `kv.modRevision` is the revision of the delete itself. `prevKv` is the value before a PUT
 * (absent on create).
 */
export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** Callbacks of one watch. Events arrive in revision order, each exactly once. */
export interface WatchCallbacks {
  /** A batch of events in revision order. */
  onEvents(events: WatchEvent[]): void;
  /** The watch ended with an error (CompactedError if `fromRevision` was compacted, or the backend died). */
  onError?(err: Error): void;
}

/** A running watch; `cancel` stops delivery at once and is safe to call twice. */
export interface Watch {
  cancel(): void;
  /**
   * True once the watch has been handed every change up to its source's newest revision (the
   * store's; the watch cache's, for a watcher of the cache) — any replay of history is over — and
   * follows new ones as they come: from then on a bookmark at that revision skips nothing.
   * Absent or false: not known to be so.
   */
  readonly live?: boolean;
}

export interface Store {
  /** The value of `key` at the current revision, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, sorted by key. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Count of keys starting with `prefix` at the current revision. */
  count(prefix: string): Promise<number>;
  /** Creates `key`; fails with KeyExistsError if it exists. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces the value of `key` if its modRevision is `expectedRevision`.
   * Fails with KeyNotFoundError if absent, ConflictError (carrying the current value) if it moved.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes `key` (only if its modRevision is `expectedRevision`, when given). Returns the deleted
   * value with `modRevision` set to the revision of the delete. Fails like {@link update}.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /**
   * Delivers every change to keys starting with `prefix` whose revision is greater than
   * `fromRevision`, in order, then keeps delivering new ones until cancelled.
   */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Watch;
  /** The current revision (the revision of the last write; 0 on an empty SQLite store, 1 on a fresh etcd). */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable: reads and watches from before it fail. */
  compactedRevision(): Promise<number>;
  /** Forgets history up to `revision` (the current value of every key is kept). */
  compact(revision: number): Promise<void>;
  /** Releases the backend; pending watches end. */
  close(): Promise<void>;
}

/** The key exists already (create). */
export class KeyExistsError extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
    this.name = 'KeyExistsError';
  }
}

/** The key does not exist (update, delete). */
export class KeyNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
    this.name = 'KeyNotFoundError';
  }
}

/** The key's modRevision was not the expected one; `current` is what is stored now. */
export class ConflictError extends Error {
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`revision conflict on ${key}: now at ${current.modRevision}`);
    this.name = 'ConflictError';
  }
}

/** The revision asked for is older than the compacted revision. */
export class CompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`revision ${requested} has been compacted (oldest available ${compacted})`);
    this.name = 'CompactedError';
  }
}

/** The backend cannot be reached (etcd down); the API answers 503/504. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
