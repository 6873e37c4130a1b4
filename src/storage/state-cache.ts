/**
 * The current value of every key under `/registry/`, in memory, for the API server's reads:
 * lists (and the initial state of watches) are served from here instead of the store, as
 * upstream's watch cache serves them, so a thousand informers relisting cost the store
 * nothing. It is filled by one list and kept current by a watch on the {@link WatchCache}
 * (in revision order, each event once); after that watch fails (history compacted, datastore
 * gone) it lists again.
 *
 * Values are kept as the stored strings, not parsed objects: a parsed object takes several
 * times the memory of its JSON, and each list or watch renders objects once anyway.
 *
 * It answers at its own revision: a caller wanting the latest state first waits for it to
 * catch up ({@link StateCache.waitFor}). A later page of a list it paginated is answered at
 * that list's revision from a snapshot (list-snapshots.ts) while one is held; any other read
 * at an older revision goes to the store, which keeps history.
 *
 * Keys under an uncached prefix (Events, see {@link StateCacheOptions.uncached}) are not kept:
 * their reads go to the store, and their writes only move the cache's revision on.
 */
import { prefixEnd } from './key-range.ts';
import { ListSnapshots, type ListSnapshot, type ListSnapshotsOptions } from './list-snapshots.ts';
import { SortedKeys } from './sorted-keys.ts';
import type { KeyValue, ListOptions, ListResult, Store, Watch, WatchCallbacks } from './store.ts';

const REGISTRY_PREFIX = '/registry/';

/** Where the cache's events come from: the watch cache (or a store). */
export interface EventSource {
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Watch;
}

/**
 * An index of the cache: the keys under `prefix` filed by one value each (e.g. pods by
 * spec.nodeName), so a list selecting on that value reads its few keys instead of all.
 */
export interface CacheIndex {
  prefix: string;
  /** The value `kv` is filed under; undefined or '' files it nowhere. */
  valueOf(kv: KeyValue): string | undefined;
}

export interface StateCacheOptions {
  /** Indexes by name. */
  indexes?: Record<string, CacheIndex>;
  /** Delay before listing again after the watch failed. Default 100 ms. */
  retryDelayMs?: number;
  /** Bounds on the snapshots later pages of paginated lists are read from. */
  snapshots?: ListSnapshotsOptions;
  /**
   * Key prefixes not kept (their lists and lookups answer undefined: the store answers), as
   * upstream's kube-apiserver keeps no watch cache of Events (DefaultWatchCacheSizes: 0): one
   * per pod scheduled and more per workload, written once and seldom read, the 225,000 Events
   * of 150,000 pods took 260 MiB of live heap here (bench/scale-memory.ts). Default: none.
   */
  uncached?: readonly string[];
  log?: (line: string) => void;
}

export class StateCache {
  private readonly values = new Map<string, KeyValue>();
  private keys = new SortedKeys();
  private current = 0;
  private ready = false;
  private running = false;
  private watch: Watch | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: { revision: number; resolve: (caughtUp: boolean) => void }[] = [];
  /** index name → its keys by value, and the value each key is filed under */
  private indexed = new Map<string, { byValue: Map<string, Set<string>>; byKey: Map<string, string> }>();
  private readonly snapshots: ListSnapshots;

  constructor(
    private readonly store: Pick<Store, 'list' | 'currentRevision'>,
    private readonly events: EventSource,
    private readonly options: StateCacheOptions = {},
  ) {
    this.snapshots = new ListSnapshots(options.snapshots);
  }

  /** Lists everything once and follows the changes from there; resolves once filled. */
  async start(): Promise<void> {
    this.running = true;
    await this.fill();
  }

  stop(): void {
    this.running = false;
    this.ready = false;
    clearTimeout(this.retryTimer);
    this.watch?.cancel();
    this.watch = undefined;
    this.snapshots.clear();
    for (const w of this.waiters.splice(0)) w.resolve(false);
  }

  /** The revision the cache reflects (0 while it is not filled). */
  get revision(): number {
    return this.ready ? this.current : 0;
  }

  /**
   * The key's value at the cache's revision: undefined when the key is absent or uncached, or
   * the cache is not filled. A lookup, not a list: a list of the key as a prefix with a limit
   * would pin a snapshot whenever other keys extend it (`pod-9` prefixes `pod-90`…`pod-99`),
   * kept for 30 s and told of every later write.
   */
  get(key: string): KeyValue | undefined {
    return this.ready ? this.values.get(key) : undefined;
  }

  /** How many list snapshots it holds (continue pages of cut lists are read from them). */
  get heldSnapshots(): number {
    return this.snapshots.size;
  }

  /** How many keys it holds. */
  get size(): number {
    return this.values.size;
  }

  /**
   * Resolves true once the cache has seen every write up to `revision` (by default the
   * store's current one, for a read that must not be stale); false after `timeoutMs` or when
   * the cache cannot answer, so the caller reads the store instead.
   */
  async waitFor(revision?: number, timeoutMs = 1000): Promise<boolean> {
    if (!this.ready) return false;
    const target = revision ?? (await this.store.currentRevision());
    if (this.current >= target) return true;
    return new Promise((resolve) => {
      const waiter = { revision: target, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      waiter.resolve = (caughtUp) => {
        clearTimeout(timer);
        resolve(caughtUp);
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Like {@link Store.list}, at the cache's revision, or at an older one that a page cut by
   * a limit here pinned (while its snapshot is held): undefined when the cache is not filled
   * or cannot answer at `options.revision` (then the store must answer).
   */
  list(prefix: string, options: ListOptions = {}): ListResult | undefined {
    if (!this.ready || this.overlapsUncached(prefix)) return undefined;
    if (options.revision && options.revision !== this.current) {
      const snapshot = this.snapshots.find(options.revision, prefix);
      return snapshot && this.listSnapshot(snapshot, prefix, options);
    }
    const { start, end } = pageRange(prefix, options);
    const total = countIn(this.keys, start, end);
    const limit = options.limit && options.limit > 0 ? Math.min(options.limit, total) : total;
    const items: KeyValue[] = [];
    if (limit > 0) {
      for (const key of this.keys.from(start)) {
        items.push(this.values.get(key)!);
        if (items.length === limit) break;
      }
    }
    const remaining = total - items.length;
    // The continue token handed out with this page pins this revision: keep it for the next pages.
    if (remaining > 0) this.snapshots.pin(this.current, prefix);
    return { items, revision: this.current, more: remaining > 0, remaining };
  }

  /**
   * A page at the snapshot's revision: the keys there now merged, in order, with those gone
   * since; a key changed since takes the value it had then (none, for one born since). Its cost
   * is the page's, not the number of changes since.
   */
  private listSnapshot(snapshot: ListSnapshot, prefix: string, options: ListOptions): ListResult {
    const { start, end } = pageRange(prefix, options);
    const total = countIn(this.keys, start, end) + countIn(snapshot.gone, start, end) - countIn(snapshot.born, start, end);
    const limit = options.limit && options.limit > 0 ? Math.min(options.limit, total) : total;
    const items: KeyValue[] = [];
    const present = this.keys.from(start);
    const gone = snapshot.gone.from(start);
    let here = present.next();
    let there = gone.next();
    while (items.length < limit) {
      const now = here.done || (end !== undefined && here.value >= end) ? undefined : here.value;
      const then = there.done || (end !== undefined && there.value >= end) ? undefined : there.value;
      if (now === undefined && then === undefined) break;
      let key: string;
      if (now === undefined || (then !== undefined && then < now)) {
        key = then!;
        there = gone.next();
      } else {
        key = now;
        here = present.next();
      }
      const value = snapshot.before.has(key) ? snapshot.before.get(key) : this.values.get(key);
      if (value) items.push(value);
    }
    const remaining = total - items.length;
    return { items, revision: snapshot.revision, more: remaining > 0, remaining };
  }

  /**
   * Like {@link list}, but only the keys index `name` files under `value` (the caller still
   * applies its full selector): undefined when the cache cannot answer or has no such index.
   */
  listIndexed(name: string, value: string, prefix: string, options: ListOptions = {}): ListResult | undefined {
    const index = this.indexed.get(name);
    if (!index || !this.ready || this.overlapsUncached(prefix) || (options.revision && options.revision !== this.current)) return undefined;
    const start = options.startKey && options.startKey > prefix ? options.startKey : prefix;
    const keys = [...(index.byValue.get(value) ?? [])].filter((k) => k >= start && k.startsWith(prefix)).sort();
    const limit = options.limit && options.limit > 0 ? Math.min(options.limit, keys.length) : keys.length;
    const items = keys.slice(0, limit).map((k) => this.values.get(k)!);
    const remaining = keys.length - items.length;
    return { items, revision: this.current, more: remaining > 0, remaining };
  }

  private async fill(): Promise<void> {
    this.watch?.cancel();
    this.watch = undefined;
    this.ready = false;
    // The old state goes before the list comes: held until the list returned, every value was
    // in memory twice at once (~500 MB more at 150,000 pods), and nothing reads it meanwhile.
    this.values.clear();
    this.snapshots.clear();
    const keys = (this.keys = new SortedKeys());
    this.indexed = new Map(Object.keys(this.options.indexes ?? {}).map((name) => [name, { byValue: new Map(), byKey: new Map() }]));
    let page: ListResult;
    try {
      page = await this.store.list(REGISTRY_PREFIX);
    } catch (err) {
      return this.retry(err);
    }
    if (!this.running) return;
    for (const kv of page.items) {
      if (this.isUncached(kv.key)) continue;
      this.values.set(kv.key, kv);
      keys.insert(kv.key);
      this.file(kv);
    }
    this.current = page.revision;
    this.ready = true;
    const watch = this.events.watch(REGISTRY_PREFIX, page.revision, {
      onEvents: (events) => {
        // A watch given up on (after an error) may still deliver: its events are not ours any more.
        if (this.watch !== watch) return;
        this.snapshots.sweep();
        for (const event of events) {
          const { key } = event.kv;
          this.current = event.kv.modRevision;
          if (this.isUncached(key)) continue;
          const old = this.values.get(key);
          this.snapshots.changed(key, old, event.type !== 'DELETE');
          if (event.type === 'DELETE') {
            this.values.delete(key);
            keys.delete(key);
            this.unfile(undefined, key);
          } else {
            if (!old) keys.insert(key);
            this.values.set(key, event.kv);
            this.file(event.kv);
          }
        }
        this.wake();
      },
      onError: (err) => {
        if (this.watch !== watch) return;
        watch.cancel();
        this.retry(err);
      },
    });
    this.watch = watch;
    this.wake();
  }

  /** Files `kv` in every index that covers it, moving it from where it was filed before. */
  private file(kv: KeyValue): void {
    for (const [name, spec] of Object.entries(this.options.indexes ?? {})) {
      if (!kv.key.startsWith(spec.prefix)) continue;
      const { byValue, byKey } = this.indexed.get(name)!;
      const value = valueOf(spec, kv);
      const before = byKey.get(kv.key) ?? '';
      if (before === value) continue;
      if (before) this.unfile(name, kv.key);
      if (value) {
        let keys = byValue.get(value);
        if (!keys) byValue.set(value, (keys = new Set()));
        keys.add(kv.key);
        byKey.set(kv.key, value);
      }
    }
  }

  /** Takes `key` out of index `name` (every index, when no name is given). */
  private unfile(name: string | undefined, key: string): void {
    for (const [n, { byValue, byKey }] of this.indexed) {
      if (name !== undefined && n !== name) continue;
      const value = byKey.get(key);
      if (value === undefined) continue;
      byKey.delete(key);
      const keys = byValue.get(value);
      keys?.delete(key);
      if (keys?.size === 0) byValue.delete(value);
    }
  }

  /** Whether keys under `prefix` may lie under an uncached prefix (then the store answers for them). */
  private overlapsUncached(prefix: string): boolean {
    return (this.options.uncached ?? []).some((u) => prefix.startsWith(u) || u.startsWith(prefix));
  }

  private isUncached(key: string): boolean {
    return (this.options.uncached ?? []).some((u) => key.startsWith(u));
  }

  private retry(err: unknown): void {
    this.ready = false;
    this.watch = undefined;
    if (!this.running) return;
    this.options.log?.(`state cache: ${err instanceof Error ? err.message : String(err)}; listing again`);
    this.retryTimer = setTimeout(() => void this.fill(), this.options.retryDelayMs ?? 100);
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.current >= w.revision) w.resolve(true);
      else still.push(w);
    }
    this.waiters = still;
  }
}

/** The value `kv` is filed under ('' for none); a value the index cannot read files it nowhere. */
function valueOf(spec: CacheIndex, kv: KeyValue): string {
  try {
    return spec.valueOf(kv) || '';
  } catch {
    return '';
  }
}

/** Where a page under `prefix` starts (its continue key, or the prefix) and where the prefix ends. */
function pageRange(prefix: string, options: ListOptions): { start: string; end: string | undefined } {
  return { start: options.startKey && options.startKey > prefix ? options.startKey : prefix, end: prefixEnd(prefix) };
}

/** How many of `keys` lie in [start, end) (end undefined: to the last key). */
function countIn(keys: Pick<SortedKeys, 'size' | 'rank'>, start: string, end: string | undefined): number {
  return (end === undefined ? keys.size : keys.rank(end)) - keys.rank(start);
}
