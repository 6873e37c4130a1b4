/**
 * Events expire, as upstream's do: kube-apiserver writes each Event under an etcd lease of
 * `--event-ttl` (default 1 h), and every write of it takes a new lease, so an Event nobody has
 * written for that long is deleted by the store, and watchers see it go. Without this a cluster's
 * Events piled up in the store for good (at 150,000 pods the scheduler and the controllers write
 * a quarter of a million of them).
 *
 * Here each Event write the watch cache passes on schedules the deletion of that key, at that
 * revision, a TTL later; a later write moves the key on, so the earlier deletion, which names the
 * revision it expects, finds a conflict and does nothing, while the later write's own deletion
 * comes a TTL after it. Events already stored when the server starts are scheduled from their own
 * timestamps (the store keeps no write times): the latest of creationTimestamp, lastTimestamp,
 * eventTime and series.lastObservedTime. The deletion is the store's, as a lease's expiry is
 * etcd's (no admission, no finalizers). Several API servers on one store each do it; the
 * expected revision makes the second deletion of a key a no-op.
 */
import type { Clock } from '../client/clock.ts';
import type { WatchCache } from '../storage/watch-cache.ts';
import { ConflictError, KeyNotFoundError, type Store, type Watch } from '../storage/store.ts';

/** Upstream's default --event-ttl. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;

/** Keys read per page of the start-up scan: the scan runs beside the server's work, a page per turn. */
const SCAN_PAGE = 500;

export interface EventTtlOptions {
  store: Store;
  /** Where Event writes are seen from (the store's own watch would be a second one of everything). */
  watchCache: Pick<WatchCache, 'watch' | 'revision'>;
  /** The prefixes Events live under (core and events.k8s.io). */
  prefixes: string[];
  ttlMs: number;
  /** How often due deletions are carried out. Default a tenth of the TTL, at most 10 s, at least 1 s. */
  sweepIntervalMs?: number;
  clock: Clock;
  log: (line: string) => void;
}

export interface RunningEventTtl {
  /** Resolves once the Events stored at start-up have all been scheduled. */
  scanned: Promise<void>;
  /** Deletes what is due now (the timer calls it; tests call it after moving the clock on). */
  sweep(): Promise<void>;
  stop(): void;
}

/**
 * Deletions in order of when they are due. Writes seen live come in that order already (each is
 * due a TTL after it is seen), so they are a queue; the start-up scan's are sorted once and kept
 * apart, and the sweep takes from whichever head is due first. Parallel arrays: at a quarter of
 * a million Events, an object per entry would cost more than the keys.
 */
class DueQueue {
  private keys: string[] = [];
  private revisions: number[] = [];
  private dues: number[] = [];
  private head = 0;

  push(key: string, revision: number, due: number): void {
    this.keys.push(key);
    this.revisions.push(revision);
    this.dues.push(due);
  }

  /** Sorts what is queued by due time (for the scan's entries, pushed in key order). */
  sort(): void {
    const order = this.dues.map((_, i) => i).slice(this.head).sort((a, b) => this.dues[a] - this.dues[b]);
    this.keys = order.map((i) => this.keys[i]);
    this.revisions = order.map((i) => this.revisions[i]);
    this.dues = order.map((i) => this.dues[i]);
    this.head = 0;
  }

  /** When the head is due; Infinity when empty. */
  nextDue(): number {
    return this.head < this.dues.length ? this.dues[this.head] : Infinity;
  }

  peek(): { key: string; revision: number } {
    return { key: this.keys[this.head], revision: this.revisions[this.head] };
  }

  shift(): void {
    this.head++;
    // Drop the taken part now and then, not on every shift.
    if (this.head > 1024 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.revisions = this.revisions.slice(this.head);
      this.dues = this.dues.slice(this.head);
      this.head = 0;
    }
  }
}

/** The latest of an Event's own timestamps (ms), or undefined when it has none readable. */
export function lastEventTime(value: string): number | undefined {
  let event: { metadata?: { creationTimestamp?: string }; lastTimestamp?: string; eventTime?: string; series?: { lastObservedTime?: string; lastObserved?: string } };
  try {
    event = JSON.parse(value);
  } catch {
    return undefined;
  }
  const times = [event.metadata?.creationTimestamp, event.lastTimestamp, event.eventTime, event.series?.lastObservedTime, event.series?.lastObserved]
    .map((t) => (typeof t === 'string' ? Date.parse(t) : NaN))
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

export function startEventTtl(options: EventTtlOptions): RunningEventTtl {
  const { store, watchCache, prefixes, ttlMs, clock, log } = options;
  const sweepIntervalMs = options.sweepIntervalMs ?? Math.min(10_000, Math.max(1000, ttlMs / 10));
  const live = new DueQueue();
  const stored = new DueQueue();
  let stopped = false;
  let sweeping: Promise<void> | undefined;
  let cancelTimer = () => {};
  const watches: Watch[] = [];

  const from = watchCache.revision;
  for (const prefix of prefixes) {
    watches.push(watchCache.watch(prefix, from, {
      onEvents: (events) => {
        const due = clock.now() + ttlMs;
        for (const e of events) if (e.type === 'PUT') live.push(e.kv.key, e.kv.modRevision, due);
      },
      onError: (err) => {
        // A watcher that fell behind: Events written from here on are found by the next start's scan.
        if (!stopped) log(`event TTL: the watch of ${prefix} ended (${err.message}); Events written from now on expire only after the next restart`);
      },
    }));
  }

  const scanned = (async () => {
    for (const prefix of prefixes) {
      let startKey: string | undefined;
      for (;;) {
        if (stopped) return;
        const page = await store.list(prefix, { limit: SCAN_PAGE, ...(startKey ? { startKey } : {}) });
        for (const kv of page.items) stored.push(kv.key, kv.modRevision, (lastEventTime(kv.value) ?? clock.now()) + ttlMs);
        if (!page.more || page.items.length === 0) break;
        startKey = `${page.items.at(-1)!.key}\0`;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  })()
    .catch((err) => log(`event TTL: reading the stored Events failed (${(err as Error).message}); those not read expire after the next restart`))
    // Also after a failed scan: the sweep takes what was read in order of when it is due.
    .finally(() => stored.sort());

  const sweepOnce = async () => {
    for (;;) {
      if (stopped) return;
      const queue = stored.nextDue() <= live.nextDue() ? stored : live;
      // The time is read for each: a caller that joins a sweep under way gets what is due by its call.
      if (queue.nextDue() > clock.now()) return;
      const { key, revision } = queue.peek();
      try {
        await store.delete(key, revision);
      } catch (err) {
        // Written again since (its new write has its own deletion), or gone already: both fine.
        if (!(err instanceof ConflictError || err instanceof KeyNotFoundError)) {
          log(`event TTL: deleting ${key} failed (${(err as Error).message}); trying again in ${Math.round(sweepIntervalMs / 1000)} s`);
          return;
        }
      }
      queue.shift();
    }
  };
  const sweep = () => (sweeping ??= sweepOnce().finally(() => (sweeping = undefined)));
  const schedule = () => {
    cancelTimer = clock.setTimer(sweepIntervalMs, () => {
      if (stopped) return;
      // The scan's entries are sorted only once it is over: no sweep before then.
      void scanned.then(sweep).finally(() => !stopped && schedule());
    });
  };
  schedule();

  return {
    scanned,
    sweep: async () => {
      await scanned;
      await sweep();
    },
    stop() {
      stopped = true;
      cancelTimer();
      for (const w of watches) w.cancel();
    },
  };
}
