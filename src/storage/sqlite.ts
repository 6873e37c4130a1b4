import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LatestCache } from './latest-cache.ts';
import type { Outcome, Write } from './sqlite-commit.ts';
import { Committer } from './sqlite-committer.ts';
import { RevisionLog, type HistoryRow, type LogRow } from './sqlite-log.ts';
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  StoreUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type Watch,
  type WatchCallbacks,
  type WatchEvent,
} from './store.ts';
import { Watcher } from './watcher.ts';

/** Revisions forgotten per compaction transaction, so writers wait for one span at most. */
const COMPACTION_SPAN = 1000;
/**
 * Revisions a watch's replay reads in one event-loop turn: at most this many rows, ~40 ms at
 * 150,000 pods on a 2-core machine.
 */
const REPLAY_SPAN = 1000;
/** A watch replay taking this long or longer is logged. */
const SLOW_REPLAY_MS = 1000;
/** Keys whose newest value `get` keeps in memory. */
const LATEST_CACHE_KEYS = 10_000;
/** Page continuations whose remaining count is remembered (a few lists paging at once). */
const REMEMBERED_PAGE_COUNTS = 64;

interface PendingWrite {
  write: Write;
  resolve(kv: KeyValue): void;
  reject(err: Error): void;
}

/**
 * The embedded datastore: the {@link Store} contract on one SQLite file (see sqlite-log.ts for
 * the layout). Commits are durable (WAL, fsync on commit) and happen on their own thread
 * (sqlite-committer.ts), so the API server keeps serving while a commit is on its way to disk.
 * Writers share commits: every write asked for while the previous commit was on disk goes into
 * the next single transaction, so a hundred concurrent writers pay for one fsync, not a
 * hundred, yet each gets its own revision or its own error, and only once it is on disk.
 * Reads run here, on a second connection, at the revision of the last acknowledged write;
 * the newest values of recently read keys are kept in memory (latest-cache.ts).
 * Watches are in-process: after each commit, every watcher is handed the new events.
 */
export class SqliteStore implements Store {
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /** The last commit asked for; close waits for it. */
  private lastCommit: Promise<void> = Promise.resolve();
  private readonly watchers = new Set<Watcher>();
  private readonly latest = new LatestCache(LATEST_CACHE_KEYS);
  /** Live keys from a list page's continuation on, by revision, prefix and start key (see liveFrom). */
  private readonly remainingAfterPage = new Map<string, number>();
  private revision: number;
  private compacted: number;
  private closed = false;

  constructor(
    private readonly log: RevisionLog,
    private readonly committer: Committer,
  ) {
    this.revision = log.currentRevision();
    this.compacted = log.compactedRevision();
  }

  /** Opens (or creates, with its parent directories) the database file at `path`. */
  static open(path: string): SqliteStore {
    mkdirSync(dirname(path), { recursive: true });
    // The reading connection creates the file and its tables before the commit thread opens it.
    const log = RevisionLog.open(path);
    return new SqliteStore(log, new Committer(path));
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const cached = this.latest.get(key);
    if (cached) return cached;
    const row = this.log.latestAt(key, this.revision);
    if (!row || row.deleted) return undefined;
    const kv = toKeyValue(row);
    this.latest.remember(kv);
    return kv;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const revision = this.readableRevision(options.revision);
    const startKey = options.startKey ?? '';
    if (startKey && !startKey.startsWith(prefix)) {
      throw new RangeError(`list start key ${startKey} is outside prefix ${prefix}`);
    }
    const limit = options.limit ?? 0;
    const rows = this.log.list(prefix, startKey, revision, limit > 0 ? limit + 1 : 0);
    const more = limit > 0 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toKeyValue);
    const remaining = more ? this.liveFrom(prefix, startKey, revision) - items.length : 0;
    if (more) this.rememberLiveFrom(prefix, `${items[items.length - 1].key}\u0000`, revision, remaining);
    return { items, revision, more, remaining };
  }

  /**
   * How many live keys under `prefix` at `revision` sort at or after `startKey`. Counting
   * scans them all, so a list paged through 150,000 pods counted 300 times over (quadratic,
   * minutes of CPU); but a page's next page starts right after it at the same revision, where
   * the answer is what this page left remaining — remembered here for a few lists at once.
   */
  private liveFrom(prefix: string, startKey: string, revision: number): number {
    const key = `${revision}\u0000${prefix}\u0000${startKey}`;
    const known = this.remainingAfterPage.get(key);
    if (known !== undefined) {
      this.remainingAfterPage.delete(key);
      return known;
    }
    return this.log.count(prefix, startKey, revision);
  }

  private rememberLiveFrom(prefix: string, startKey: string, revision: number, count: number): void {
    if (this.remainingAfterPage.size >= REMEMBERED_PAGE_COUNTS) this.remainingAfterPage.delete(this.remainingAfterPage.keys().next().value!);
    this.remainingAfterPage.set(`${revision}\u0000${prefix}\u0000${startKey}`, count);
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.log.count(prefix, '', this.revision);
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'update', key, value, expectedRevision });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    return this.enqueue({ kind: 'delete', key, expectedRevision });
  }

  /**
   * Replays the log after `fromRevision` and then goes live. The replay reads
   * {@link REPLAY_SPAN} revisions at a time, each in its own event-loop turn: a watch resumed
   * from a minute back at 150,000 pods replays tens of thousands of rows (seconds of reading),
   * and in one turn that held every request, Lease renewals included, for as long. The last
   * span and going live happen in the same synchronous step, so no commit can fall between
   * them; the watcher's own revision filter drops anything a not-yet-delivered earlier commit
   * would hand it twice.
   */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Watch {
    const watcher = new Watcher(prefix, fromRevision, callbacks, (w) => this.watchers.delete(w));
    if (this.closed) {
      watcher.fail(new StoreUnavailableError('the store is closed'));
    } else if (fromRevision < this.compacted) {
      watcher.fail(new CompactedError(fromRevision, this.compacted));
    } else if (fromRevision >= this.revision) {
      this.watchers.add(watcher);
      watcher.live = true;
    } else {
      const started = performance.now();
      let events = 0;
      const replay = (after: number): void => {
        if (watcher.ended) return;
        if (this.closed) return watcher.fail(new StoreUnavailableError('the store is closed'));
        const span = this.log.historySpan(prefix, after, after + REPLAY_SPAN);
        // A compaction past `after` removed rows of this span: the gap cannot be replayed.
        if (span.compacted > after) return watcher.fail(new CompactedError(fromRevision, span.compacted));
        events += span.rows.length;
        watcher.push(span.rows.map(toEvent));
        if (after + REPLAY_SPAN < span.current) return void setImmediate(replay, after + REPLAY_SPAN);
        this.watchers.add(watcher);
        watcher.live = true;
        const ms = performance.now() - started;
        if (ms >= SLOW_REPLAY_MS) console.warn(`watch of ${prefix} from revision ${fromRevision}: replayed ${span.current - fromRevision} revisions (${events} events) from the datastore in ${ms.toFixed(0)} ms`);
      };
      replay(fromRevision);
    }
    return watcher;
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  /**
   * Forgets history up to `revision` a span at a time, letting writers in between spans.
   * Compacting to a revision already compacted does nothing; to a future one is an error.
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) {
      throw new RangeError(`cannot compact to revision ${revision}: current revision is ${this.revision}`);
    }
    while (this.compacted < revision) {
      const to = Math.min(revision, this.compacted + COMPACTION_SPAN);
      await this.committer.compact(this.compacted, to);
      this.compacted = Math.max(this.compacted, to);
      this.assertOpen();
    }
  }

  /** Commits the writes already asked for, ends every watch, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const watcher of this.watchers) watcher.cancel();
    await this.lastCommit;
    await this.committer.close();
    this.log.close();
  }

  private enqueue(write: Write): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // setImmediate, not a microtask: it runs after the event loop has taken in every request
      // that arrived meanwhile, so they travel to the commit thread together.
      setImmediate(() => this.flush());
    });
  }

  /** Hands every pending write to the commit thread; answers each caller and the watchers once on disk. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.lastCommit = this.committer.commit(batch.map((p) => p.write)).then(
      ({ outcomes, revision }) => this.committed(batch, outcomes, revision),
      (err: Error) => {
        for (const { reject } of batch) reject(err);
      },
    );
  }

  private committed(batch: PendingWrite[], outcomes: Outcome[], revision: number): void {
    // Commits are answered in order, so the revision only grows.
    this.revision = revision;
    const events: WatchEvent[] = [];
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if ('kv' in outcome) {
        events.push(outcome.event);
        this.latest.written(outcome.kv.key, outcome.event.type === 'DELETE' ? undefined : outcome.kv);
        resolve(outcome.kv);
      } else reject(refusal(outcome));
    });
    if (events.length > 0 && !this.closed) for (const watcher of this.watchers) watcher.push(events);
  }

  /** The revision a read at `requested` sees, or the error that it cannot be read. */
  private readableRevision(requested: number | undefined): number {
    if (!requested) return this.revision;
    if (requested < this.compacted) throw new CompactedError(requested, this.compacted);
    if (requested > this.revision) {
      throw new RangeError(`revision ${requested} is in the future (current revision ${this.revision})`);
    }
    return requested;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the store is closed');
  }
}

function refusal(outcome: Exclude<Outcome, { kv: KeyValue }>): Error {
  if (outcome.refused === 'conflict') return new ConflictError(outcome.key, outcome.current);
  return outcome.refused === 'exists' ? new KeyExistsError(outcome.key) : new KeyNotFoundError(outcome.key);
}

function toKeyValue(row: LogRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

/** The watch event a log row records (a tombstone keeps the value it removed). */
function toEvent(row: HistoryRow): WatchEvent {
  const kv = toKeyValue(row);
  if (row.deleted) {
    return { type: 'DELETE', kv, prevKv: { ...kv, modRevision: row.prev_revision } };
  }
  if (row.created || row.prev_value === null) return { type: 'PUT', kv };
  return { type: 'PUT', kv, prevKv: { ...kv, value: row.prev_value, modRevision: row.prev_revision } };
}
