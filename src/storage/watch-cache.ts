import { EventRing } from './event-ring.ts';
import type { CacheIndex } from './state-cache.ts';
import { CompactedError, type KeyValue, type Store, type Watch, type WatchCallbacks, type WatchEvent } from './store.ts';
import { Watcher } from './watcher.ts';

/** Everything the API server stores lives under this prefix; the cache watches all of it. */
const REGISTRY_PREFIX = '/registry/';

/** Options for {@link WatchCache}. */
export interface WatchCacheOptions {
  /** How many recent events are kept in memory for watchers that resume. Default 10,000. */
  capacity?: number;
  /** First delay before the store watch is reopened after it failed; it doubles up to `maxRetryDelayMs`. Default 100 ms. */
  retryDelayMs?: number;
  /** Default 5 s. */
  maxRetryDelayMs?: number;
  /** Indexes a watch can be narrowed by (see {@link WatchSelection}), by name. */
  indexes?: Record<string, CacheIndex>;
}

/**
 * A watch that wants only the keys index `name` files under `value` (a kubelet's pods:
 * spec.nodeName=its node). The event of a key filed there before or after the change reaches
 * it; the watcher still applies its full selector.
 */
export interface WatchSelection {
  name: string;
  value: string;
}

/**
 * The API server's watch cache: one store watch on everything under `/registry/`, fanned
 * out in memory to any number of watchers, so a thousand `kubectl get -w` cost the store one
 * watch. Recent events are kept in a ring so a watcher resuming from a recent revision is
 * served from memory; one resuming from further back than the ring reaches is handed to the
 * store (which replays its log, or answers CompactedError).
 *
 * A watcher narrowed by an index value (a kubelet watching its node's pods) is filed under
 * that value, so each event is offered to the few watchers of the values it carries instead of
 * being tested by every watcher of the collection: with one such watch per node, that test
 * made every pod write cost in proportion to the number of nodes.
 *
 * Each watcher has its own mailbox and is called from its own microtask, so one slow or
 * failing consumer does not hold up the others.
 *
 * If the store watch itself fails (the datastore went away), the cache reopens it from the
 * last revision it saw, retrying with backoff, and its watchers carry on as if nothing
 * happened: no event is lost or repeated. If that revision has been compacted meanwhile, the
 * gap cannot be filled: every watcher ends with CompactedError (clients list again) and the
 * cache starts over from the store's current revision.
 */
export class WatchCache {
  private readonly ring: EventRing;
  /** Every event with a revision above this one (and up to `revision`) is in the ring. */
  private floor = 0;
  private latest = 0;
  private storeWatch: Watch | undefined;
  private running = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  /** Watchers grouped by prefix, so an event is matched once per distinct prefix. */
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  /** Narrowed watchers: index name → index value → watchers. */
  private readonly byIndexValue = new Map<string, Map<string, Set<Watcher>>>();
  private readonly indexes: Record<string, CacheIndex>;
  /** The value of each key's newest event in the ring (see {@link sharePrevious}). */
  private readonly ringValues = new Map<string, KeyValue>();

  constructor(private readonly store: Store, options: WatchCacheOptions = {}) {
    this.ring = new EventRing(options.capacity ?? 10_000);
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.retryDelay = this.retryDelayMs;
    this.indexes = options.indexes ?? {};
  }

  /**
   * Opens the one store watch, from the store's current revision. Events the ring kept from
   * before are at or below the new floor, so no watcher is served across a gap.
   */
  async start(): Promise<void> {
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    clearTimeout(this.retryTimer);
    const revision = await this.store.currentRevision();
    this.floor = revision;
    this.latest = revision;
    this.running = true;
    this.watchStore();
  }

  /** The latest revision the cache has seen (what a bookmark may announce). */
  get revision(): number {
    return this.latest;
  }

  /**
   * Like {@link Store.watch}: every change under `prefix` after `fromRevision`, in order; with
   * `selection` (of a known index), only changes of keys filed under its value.
   */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks, selection?: WatchSelection): Watch {
    if (!this.running || !prefix.startsWith(REGISTRY_PREFIX) || fromRevision < this.floor) {
      return this.store.watch(prefix, fromRevision, callbacks);
    }
    const index = selection && this.indexes[selection.name];
    // A narrowed watcher is filed by value; a watch reaching beyond the index's keys cannot be.
    const group = index && prefix.startsWith(index.prefix) ? this.valueGroup(selection.name, selection.value) : this.prefixGroup(prefix);
    const watcher = new Watcher(prefix, fromRevision, callbacks, (w) => group.remove(w));
    if (fromRevision < this.latest) watcher.push(this.ring.after(fromRevision));
    group.add(watcher);
    watcher.live = true;
    return watcher;
  }

  /** Closes the store watch and ends every watcher. */
  stop(): void {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    for (const watcher of this.watchers()) watcher.cancel();
  }

  /** Opens the store watch from the last revision the cache saw. */
  private watchStore(): void {
    const watch = this.store.watch(REGISTRY_PREFIX, this.latest, {
      onEvents: (events) => {
        this.retryDelay = this.retryDelayMs;
        this.dispatch(events);
      },
      onError: (err) => {
        if (this.storeWatch === watch) this.storeFailed(err);
      },
    });
    this.storeWatch = watch;
  }

  /** Reopens a failed store watch after a backoff; after compaction, ends the watchers and starts over. */
  private storeFailed(err: Error): void {
    this.storeWatch = undefined;
    if (err instanceof CompactedError) {
      // Until it starts over, the ring has a gap: watchers new in the meantime go to the store.
      this.floor = Number.MAX_SAFE_INTEGER;
      for (const watcher of this.watchers()) watcher.fail(err);
    }
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryDelayMs);
    this.retryTimer = setTimeout(() => {
      if (!this.running) return;
      if (!(err instanceof CompactedError)) return this.watchStore();
      this.start().catch((failure: Error) => this.storeFailed(failure));
    }, delay);
  }

  private dispatch(events: WatchEvent[]): void {
    for (const event of events) {
      this.sharePrevious(event);
      const dropped = this.ring.push(event);
      if (dropped) {
        this.floor = dropped.kv.modRevision;
        if (this.ringValues.get(dropped.kv.key) === dropped.kv) this.ringValues.delete(dropped.kv.key);
      }
      if (event.type === 'DELETE') this.ringValues.delete(event.kv.key);
      else this.ringValues.set(event.kv.key, event.kv);
    }
    this.latest = events[events.length - 1].kv.modRevision;
    for (const [prefix, group] of this.byPrefix) {
      const matching = events.filter((e) => e.kv.key.startsWith(prefix));
      if (matching.length > 0) for (const watcher of group) watcher.push(matching);
    }
    for (const [name, byValue] of this.byIndexValue) this.dispatchIndexed(this.indexes[name], byValue, events);
  }

  /**
   * The store reads an event's previous value afresh: when that value is the one the key's
   * last event in the ring carries, the event takes that copy, so a key written often holds
   * one copy of each value in the ring instead of two (each pod goes through several writes
   * within moments: create, binding, status).
   */
  private sharePrevious(event: WatchEvent): void {
    const held = event.prevKv && this.ringValues.get(event.kv.key);
    if (held && held.modRevision === event.prevKv!.modRevision && held.value === event.prevKv!.value) event.prevKv = held;
  }

  /** Hands each event to the watchers of the index values its key had before and after it. */
  private dispatchIndexed(index: CacheIndex, byValue: Map<string, Set<Watcher>>, events: WatchEvent[]): void {
    const forValue = new Map<string, WatchEvent[]>();
    const offer = (value: string, event: WatchEvent) => {
      if (!byValue.has(value)) return;
      let list = forValue.get(value);
      if (!list) forValue.set(value, (list = []));
      list.push(event);
    };
    for (const event of events) {
      if (!event.kv.key.startsWith(index.prefix)) continue;
      const value = indexValue(index, event.kv);
      if (value) offer(value, event);
      const before = event.prevKv ? indexValue(index, event.prevKv) : '';
      if (before && before !== value) offer(before, event);
    }
    for (const [value, matching] of forValue) for (const watcher of byValue.get(value)!) watcher.push(matching);
  }

  private prefixGroup(prefix: string): WatcherGroup {
    return groupIn(this.byPrefix, prefix);
  }

  private valueGroup(name: string, value: string): WatcherGroup {
    let byValue = this.byIndexValue.get(name);
    if (!byValue) this.byIndexValue.set(name, (byValue = new Map()));
    const group = groupIn(byValue, value);
    return {
      add: group.add,
      remove: (watcher) => {
        group.remove(watcher);
        if (byValue.size === 0) this.byIndexValue.delete(name);
      },
    };
  }

  private *watchers(): Generator<Watcher> {
    const groups = [...this.byPrefix.values(), ...[...this.byIndexValue.values()].flatMap((byValue) => [...byValue.values()])];
    for (const group of groups) yield* [...group];
  }
}

interface WatcherGroup {
  add(watcher: Watcher): void;
  remove(watcher: Watcher): void;
}

/** The set of watchers under `key` of `groups`, created on first add and dropped when emptied. */
function groupIn(groups: Map<string, Set<Watcher>>, key: string): WatcherGroup {
  return {
    add: (watcher) => {
      let group = groups.get(key);
      if (!group) groups.set(key, (group = new Set()));
      group.add(watcher);
    },
    remove: (watcher) => {
      const group = groups.get(key);
      group?.delete(watcher);
      if (group?.size === 0) groups.delete(key);
    },
  };
}

/** The value `kv` is filed under ('' for none); a value the index cannot read files it nowhere. */
function indexValue(index: CacheIndex, kv: WatchEvent['kv']): string {
  try {
    return index.valueOf(kv) || '';
  } catch {
    return '';
  }
}
