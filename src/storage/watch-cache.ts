import { EventRing } from './event-ring.ts';
import type { Store, Watch, WatchCallbacks, WatchEvent } from './store.ts';
import { Watcher } from './watcher.ts';

/** Everything the API server stores lives under this prefix; the cache watches all of it. */
const REGISTRY_PREFIX = '/registry/';

/** Options for {@link WatchCache}. */
export interface WatchCacheOptions {
  /** How many recent events are kept in memory for watchers that resume. Default 10,000. */
  capacity?: number;
}

/**
 * The API server's watch cache: one store watch on everything under `/registry/`, fanned
 * out in memory to any number of watchers, so a thousand `kubectl get -w` cost the store one
 * watch. Recent events are kept in a ring so a watcher resuming from a recent revision is
 * served from memory; one resuming from further back than the ring reaches is handed to the
 * store (which replays its log, or answers CompactedError).
 *
 * Each watcher has its own mailbox and is called from its own microtask, so one slow or
 * failing consumer does not hold up the others.
 *
 * If the store watch itself fails, every watcher gets the error (clients then resume, as
 * after any broken watch) and later watches go straight to the store until `start()` is
 * called again.
 */
export class WatchCache {
  private readonly ring: EventRing;
  /** Every event with a revision above this one (and up to `revision`) is in the ring. */
  private floor = 0;
  private latest = 0;
  private storeWatch: Watch | undefined;
  /** Watchers grouped by prefix, so an event is matched once per distinct prefix. */
  private readonly byPrefix = new Map<string, Set<Watcher>>();

  constructor(private readonly store: Store, options: WatchCacheOptions = {}) {
    this.ring = new EventRing(options.capacity ?? 10_000);
  }

  /**
   * Opens the one store watch, from the store's current revision. Events the ring kept from
   * before are at or below the new floor, so no watcher is served across a gap.
   */
  async start(): Promise<void> {
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    const revision = await this.store.currentRevision();
    this.floor = revision;
    this.latest = revision;
    this.storeWatch = this.store.watch(REGISTRY_PREFIX, this.latest, {
      onEvents: (events) => this.dispatch(events),
      onError: (err) => this.fail(err),
    });
  }

  /** The latest revision the cache has seen (what a bookmark may announce). */
  get revision(): number {
    return this.latest;
  }

  /** Like {@link Store.watch}: every change under `prefix` after `fromRevision`, in order. */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Watch {
    if (!this.storeWatch || !prefix.startsWith(REGISTRY_PREFIX) || fromRevision < this.floor) {
      return this.store.watch(prefix, fromRevision, callbacks);
    }
    const watcher = new Watcher(prefix, fromRevision, callbacks, (w) => this.remove(w));
    if (fromRevision < this.latest) watcher.push(this.ring.after(fromRevision));
    let group = this.byPrefix.get(prefix);
    if (!group) this.byPrefix.set(prefix, (group = new Set()));
    group.add(watcher);
    return watcher;
  }

  /** Closes the store watch and ends every watcher. */
  stop(): void {
    this.storeWatch?.cancel();
    this.storeWatch = undefined;
    for (const watcher of this.watchers()) watcher.cancel();
  }

  private dispatch(events: WatchEvent[]): void {
    for (const event of events) {
      const dropped = this.ring.push(event);
      if (dropped) this.floor = dropped.kv.modRevision;
    }
    this.latest = events[events.length - 1].kv.modRevision;
    for (const [prefix, group] of this.byPrefix) {
      const matching = events.filter((e) => e.kv.key.startsWith(prefix));
      if (matching.length > 0) for (const watcher of group) watcher.push(matching);
    }
  }

  private fail(err: Error): void {
    this.storeWatch = undefined;
    for (const watcher of this.watchers()) watcher.fail(err);
  }

  private remove(watcher: Watcher): void {
    const group = this.byPrefix.get(watcher.prefix);
    group?.delete(watcher);
    if (group?.size === 0) this.byPrefix.delete(watcher.prefix);
  }

  private *watchers(): Generator<Watcher> {
    for (const group of [...this.byPrefix.values()]) yield* [...group];
  }
}
