import { SortedKeys } from './sorted-keys.ts';
import type { KeyValue } from './store.ts';

/**
 * The state under one prefix at one revision, as the changes since have left it: for each
 * key changed since, the value it had then (null: it did not exist). Every other key under
 * the prefix still has the value it had then. `gone` and `born` are the keys changed since
 * that existed then and not now, and the other way round: what a page merges into the keys
 * there now, and what it adds to and takes from their count.
 */
export interface ListSnapshot {
  readonly revision: number;
  readonly prefix: string;
  readonly before: ReadonlyMap<string, KeyValue | null>;
  readonly gone: Omit<SortedKeys, 'insert' | 'delete'>;
  readonly born: Omit<SortedKeys, 'insert' | 'delete'>;
}

interface Held {
  revision: number;
  prefix: string;
  before: Map<string, KeyValue | null>;
  gone: SortedKeys;
  born: SortedKeys;
  lastUsed: number;
}

/** Options for {@link ListSnapshots}. */
export interface ListSnapshotsOptions {
  /** Values held for all snapshots together; past it the oldest snapshot is dropped. Default 50,000 (about 120 MB of pods at most). */
  maxEntries?: number;
  /** A snapshot no page has read for this long is dropped. Default 30 s. */
  idleMs?: number;
  /** Default performance.now. */
  now?: () => number;
}

/**
 * The revisions paginated lists served from memory are pinned at. A list's first page is read
 * at the state cache's revision and its continue token pins that revision, but by the next
 * page writes have moved the cache on; at 150,000 pods an informer pages for tens of seconds.
 * Upstream's watch cache serves those pages from snapshots of its store (ListFromCacheSnapshot);
 * here a snapshot is the list of what changed since: each change under its prefix records the
 * value the key had before, once per key. Without them every later page was read from SQLite,
 * synchronously on the API server's thread (the first one also counting every key for
 * remainingItemCount, ~0.3 s at 150,000 pods): a seventh of a profile of informers relisting.
 *
 * Memory is bounded: a snapshot lives while pages read it (see `idleMs`), and all of them
 * together hold at most `maxEntries` values. A page whose snapshot is gone is read from the
 * datastore, which keeps history until compaction; so dropping one never changes an answer.
 */
export class ListSnapshots {
  private readonly held = new Map<string, Held>();
  private entries = 0;
  private readonly maxEntries: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(options: ListSnapshotsOptions = {}) {
    this.maxEntries = options.maxEntries ?? 50_000;
    this.idleMs = options.idleMs ?? 30_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** How many snapshots are held. */
  get size(): number {
    return this.held.size;
  }

  /** Keeps (or goes on keeping) the state under `prefix` as it is now, at `revision`. */
  pin(revision: number, prefix: string): void {
    const id = idOf(revision, prefix);
    const held = this.held.get(id);
    if (held) held.lastUsed = this.now();
    else this.held.set(id, { revision, prefix, before: new Map(), gone: new SortedKeys(), born: new SortedKeys(), lastUsed: this.now() });
  }

  /** The snapshot at `revision` that covers every key under `prefix`, if one is held. */
  find(revision: number, prefix: string): ListSnapshot | undefined {
    for (const held of this.held.values()) {
      if (held.revision !== revision || !prefix.startsWith(held.prefix)) continue;
      held.lastUsed = this.now();
      return held;
    }
    return undefined;
  }

  /** To be told of each change: `key` had `old` until now (undefined: none), and exists afterwards or not. */
  changed(key: string, old: KeyValue | undefined, exists: boolean): void {
    for (const held of this.held.values()) {
      if (!key.startsWith(held.prefix)) continue;
      let then = held.before.get(key);
      if (then === undefined) {
        held.before.set(key, (then = old ?? null));
        this.entries++;
      }
      const [differs, same] = then ? [held.gone, held.born] : [held.born, held.gone];
      if (exists === !then) differs.insert(key);
      else differs.delete(key);
      same.delete(key);
    }
    while (this.entries > this.maxEntries && this.held.size > 0) this.drop(this.oldest()!);
  }

  /** Drops the snapshots no page has read for `idleMs`. */
  sweep(): void {
    const now = this.now();
    for (const [id, held] of this.held) if (now - held.lastUsed > this.idleMs) this.drop(id);
  }

  clear(): void {
    this.held.clear();
    this.entries = 0;
  }

  private oldest(): string | undefined {
    let oldest: [string, Held] | undefined;
    for (const entry of this.held) if (!oldest || entry[1].revision < oldest[1].revision) oldest = entry;
    return oldest?.[0];
  }

  private drop(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    this.entries -= held.before.size;
    this.held.delete(id);
  }
}

function idOf(revision: number, prefix: string): string {
  return `${revision}\u0000${prefix}`;
}
