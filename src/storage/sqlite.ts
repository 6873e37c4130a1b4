import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
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

type Write =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expectedRevision: number }
  | { kind: 'delete'; key: string; expectedRevision?: number };

interface PendingWrite {
  write: Write;
  resolve(kv: KeyValue): void;
  reject(err: Error): void;
}

/** What one write did: its answer to the caller and, when it changed something, its event. */
type Outcome = { kv: KeyValue; event: WatchEvent } | { error: Error };

/**
 * The embedded datastore: the {@link Store} contract on one SQLite file (see sqlite-log.ts for
 * the layout). Commits are durable (WAL, fsync on commit) and writers share them: every write
 * asked for while the previous commit was on disk is applied in the next single transaction,
 * so a hundred concurrent writers pay for one fsync, not a hundred, yet each gets its own
 * revision or its own error. Watches are in-process: after each commit, every watcher is
 * handed the new events.
 */
export class SqliteStore implements Store {
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly watchers = new Set<Watcher>();
  private revision: number;
  private compacted: number;
  private closed = false;

  constructor(private readonly log: RevisionLog) {
    this.revision = log.currentRevision();
    this.compacted = log.compactedRevision();
  }

  /** Opens (or creates, with its parent directories) the database file at `path`. */
  static open(path: string): SqliteStore {
    mkdirSync(dirname(path), { recursive: true });
    return new SqliteStore(RevisionLog.open(path));
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const row = this.log.latest(key);
    return row && !row.deleted ? toKeyValue(row) : undefined;
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
    const remaining = more ? this.log.count(prefix, startKey, revision) - items.length : 0;
    return { items, revision, more, remaining };
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
   * Replays the log after `fromRevision` and then goes live. Both happen in the same
   * synchronous step, so no commit can fall between them; the watcher's own revision filter
   * drops anything a not-yet-delivered earlier commit would hand it twice.
   */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Watch {
    const watcher = new Watcher(prefix, fromRevision, callbacks, (w) => this.watchers.delete(w));
    if (this.closed) {
      watcher.fail(new StoreUnavailableError('the store is closed'));
    } else if (fromRevision < this.compacted) {
      watcher.fail(new CompactedError(fromRevision, this.compacted));
    } else {
      if (fromRevision < this.revision) watcher.push(this.log.history(prefix, fromRevision).map(toEvent));
      this.watchers.add(watcher);
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
      this.log.compactSpan(this.compacted, to);
      this.compacted = to;
      if (to < revision) await nextTurn();
      this.assertOpen();
    }
  }

  /** Commits the writes already asked for, ends every watch, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const watcher of this.watchers) watcher.cancel();
    this.log.close();
  }

  private enqueue(write: Write): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // setImmediate, not a microtask: it runs after the event loop has taken in every request
      // that arrived while the last commit was being fsynced, so they all share the next one.
      setImmediate(() => this.flush());
    });
  }

  /** Applies every pending write in one transaction, then answers each caller and the watchers. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let revision = this.revision;
    let outcomes: Outcome[];
    try {
      outcomes = this.log.transaction(() => {
        const results = batch.map(({ write }) => {
          const outcome = this.apply(write, revision + 1);
          if ('kv' in outcome) revision += 1;
          return outcome;
        });
        if (revision !== this.revision) this.log.setCurrentRevision(revision);
        return results;
      });
    } catch (err) {
      const failure = new StoreUnavailableError('the datastore could not commit', { cause: err });
      for (const { reject } of batch) reject(failure);
      return;
    }
    this.revision = revision;
    const events: WatchEvent[] = [];
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) return reject(outcome.error);
      events.push(outcome.event);
      resolve(outcome.kv);
    });
    if (events.length > 0) for (const watcher of this.watchers) watcher.push(events);
  }

  /** Checks one write against the key's newest row and, if it holds, appends its row. */
  private apply(write: Write, revision: number): Outcome {
    const { key } = write;
    const current = this.log.latest(key);
    const live = current && !current.deleted ? current : undefined;
    if (write.kind === 'create') {
      if (live) return { error: new KeyExistsError(key) };
      this.log.insert({
        id: revision,
        name: key,
        created: 1,
        deleted: 0,
        create_revision: revision,
        prev_revision: current?.id ?? 0,
        value: write.value,
      });
      const kv = { key, value: write.value, createRevision: revision, modRevision: revision };
      return { kv, event: { type: 'PUT', kv } };
    }
    if (!live) return { error: new KeyNotFoundError(key) };
    const prevKv = toKeyValue(live);
    if (write.expectedRevision !== undefined && write.expectedRevision !== live.id) {
      return { error: new ConflictError(key, prevKv) };
    }
    const deleted = write.kind === 'delete';
    const value = deleted ? live.value : write.value;
    this.log.insert({
      id: revision,
      name: key,
      created: 0,
      deleted: deleted ? 1 : 0,
      create_revision: live.create_revision,
      prev_revision: live.id,
      value,
    });
    const kv = { key, value, createRevision: live.create_revision, modRevision: revision };
    return { kv, event: { type: deleted ? 'DELETE' : 'PUT', kv, prevKv } };
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
