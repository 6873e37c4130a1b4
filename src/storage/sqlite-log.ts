import Database from 'better-sqlite3';
import { prefixEnd } from './key-range.ts';

/**
 * The SQLite file behind {@link SqliteStore}, laid out as kine lays out its table: an
 * append-only log with one row per write, whose id is the revision of that write. A key's
 * value at revision R is its newest row with id <= R; a delete appends a tombstone row that
 * keeps the value it removed (so a DELETE event needs no second lookup). Every row names the
 * row it replaced (`prev_revision`), and `UNIQUE(name, prev_revision)` makes it impossible
 * for two writes to replace the same row: compare-and-swap enforced by the file itself.
 *
 * This module only speaks SQL (prepared once; data always bound, never spliced in); the
 * rules of the Store live in sqlite.ts.
 */

/** One row of the log. */
export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
}

/** A log row with the value of the row it replaced (for watch events' prevKv). */
export interface HistoryRow extends LogRow {
  prev_value: string | null;
}

/** History read in one snapshot (see {@link RevisionLog.historySpan}). */
export interface HistorySpan {
  rows: HistoryRow[];
  current: number;
  compacted: number;
}

/** A key-range query, bounded when the prefix has an upper bound and open-ended otherwise. */
interface RangeStatement<Row> {
  bounded: Database.Statement<unknown[], Row>;
  open: Database.Statement<unknown[], Row>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS log_name_prev_revision ON log (name, prev_revision);
CREATE INDEX IF NOT EXISTS log_name_id_deleted ON log (name, id, deleted);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('current_revision', 0), ('compacted_revision', 0);
`;

/** Page cache per connection, in KiB. */
const PAGE_CACHE_KIB = 32 * 1024;

/** The pragmas that make a commit durable: the WAL is fsynced before a commit returns. */
export function applyDurablePragmas(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
}

export class RevisionLog {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    applyDurablePragmas(db);
    db.pragma('busy_timeout = 5000');
    // Reads look rows up by name all the time (every get, every CAS check): a page cache that
    // holds a working set of some size keeps those lookups off the disk. The file is read, not
    // memory-mapped: every mapped page a list touched counted in the process's resident memory
    // (each connection's mapping apart), ~270 MiB at 150,000 pods, and lists and lookups were
    // no faster mapped than read through the page cache.
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    db.pragma('mmap_size = 0');
    db.exec(SCHEMA);
    // A name's value at a revision is its newest row at or below it. Two ways to find those
    // rows: walking the range in name order and checking each row is its name's newest lets a
    // LIMIT stop the walk early (a page); grouping the covering (name, id, deleted) index by
    // name is quicker over a whole range (SQLite takes a bare column of a MAX() aggregate from
    // the row holding the maximum). History walks the primary key from the revision on (the
    // unary + keeps the planner off the name index, which would visit every row ever written
    // under the prefix).
    const isNewest = 'id = (SELECT MAX(n.id) FROM log n WHERE n.name = log.name AND n.id <= @revision)';
    const newest = (range: string) =>
      `SELECT MAX(id) AS id, deleted FROM log WHERE ${range} AND id <= @revision GROUP BY name`;
    const both = <Row>(sql: (range: (column: string) => string) => string): RangeStatement<Row> => ({
      bounded: db.prepare<unknown[], Row>(sql((c) => `${c} >= @start AND ${c} < @end`)),
      open: db.prepare<unknown[], Row>(sql((c) => `${c} >= @start`)),
    });
    this.statements = {
      latest: db.prepare<[string], LogRow>(
        'SELECT * FROM log WHERE name = ? ORDER BY id DESC LIMIT 1',
      ),
      latestAt: db.prepare<[string, number], LogRow>(
        'SELECT * FROM log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1',
      ),
      insert: db.prepare<[LogRow], void>(
        `INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value)
         VALUES (@id, @name, @created, @deleted, @create_revision, @prev_revision, @value)`,
      ),
      getMeta: db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck(),
      setMeta: db.prepare<[number, string], void>('UPDATE meta SET value = ? WHERE name = ?'),
      page: both<LogRow>(
        (range) =>
          `SELECT * FROM log WHERE ${range('name')} AND ${isNewest} AND deleted = 0
           ORDER BY name LIMIT @limit`,
      ),
      all: both<LogRow>(
        (range) =>
          `SELECT log.* FROM (${newest(range('name'))}) m JOIN log ON log.id = m.id
           WHERE m.deleted = 0 ORDER BY log.name`,
      ),
      count: both<number>(
        (range) => `SELECT COUNT(*) FROM (${newest(range('name'))}) WHERE deleted = 0`,
      ),
      history: both<HistoryRow>(
        (range) =>
          `SELECT log.*, prev.value AS prev_value FROM log
           LEFT JOIN log prev ON prev.id = log.prev_revision AND log.created = 0
           WHERE log.id > @after AND log.id <= @through AND ${range('+log.name')} ORDER BY log.id`,
      ),
      deleteReplaced: db.prepare<[number, number], void>(
        `DELETE FROM log WHERE id IN
           (SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision > 0)`,
      ),
      deleteTombstones: db.prepare<[number, number], void>(
        'DELETE FROM log WHERE id > ? AND id <= ? AND deleted = 1',
      ),
    };
    for (const s of [this.statements.count.bounded, this.statements.count.open]) s.pluck();
  }

  static open(path: string): RevisionLog {
    return new RevisionLog(new Database(path));
  }

  /** Runs `fn` in one write transaction: one commit, one fsync. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The newest row of `name` (the writer's view: every committed row). */
  latest(name: string): LogRow | undefined {
    return this.statements.latest.get(name);
  }

  /** The newest row of `name` at or below `revision` (a reader's view). */
  latestAt(name: string, revision: number): LogRow | undefined {
    return this.statements.latestAt.get(name, revision);
  }

  insert(row: LogRow): void {
    this.statements.insert.run(row);
  }

  currentRevision(): number {
    return this.statements.getMeta.get('current_revision')!;
  }

  setCurrentRevision(revision: number): void {
    this.statements.setMeta.run(revision, 'current_revision');
  }

  compactedRevision(): number {
    return this.statements.getMeta.get('compacted_revision')!;
  }

  /** Live rows under `prefix` at `revision`, from `startKey` on, in name order; limit 0 = all. */
  list(prefix: string, startKey: string, revision: number, limit: number): LogRow[] {
    const bounds = this.bounds(prefix, startKey);
    if (limit <= 0) return this.pick(this.statements.all, prefix).all({ ...bounds, revision });
    return this.pick(this.statements.page, prefix).all({ ...bounds, revision, limit });
  }

  /** How many live rows under `prefix` at `revision`, from `startKey` on. */
  count(prefix: string, startKey: string, revision: number): number {
    return this.pick(this.statements.count, prefix).get({
      ...this.bounds(prefix, startKey),
      revision,
    })!;
  }

  /**
   * The rows under `prefix` written in revisions (after, through], in revision order, with the
   * current and compacted revisions, all read from one snapshot: a compaction committed
   * before the read shows in `compacted`, so the caller can tell a span it removed rows from.
   * The walk costs in proportion to every write in the span, whatever its prefix.
   */
  historySpan(prefix: string, after: number, through: number): HistorySpan {
    const read = this.db.transaction(() => ({
      rows: this.pick(this.statements.history, prefix).all({ ...this.bounds(prefix, prefix), after, through }),
      current: this.currentRevision(),
      compacted: this.compactedRevision(),
    }));
    return read.deferred();
  }

  /**
   * Forgets history in (from, to]: the rows that writes in that span replaced, and its
   * tombstones. Rows replaced by earlier writes went in earlier compactions, so each span
   * costs in proportion to the writes in it, not to the size of the table.
   */
  compactSpan(from: number, to: number): void {
    this.transaction(() => {
      this.statements.deleteReplaced.run(from, to);
      this.statements.deleteTombstones.run(from, to);
      this.statements.setMeta.run(to, 'compacted_revision');
    });
  }

  close(): void {
    this.db.close();
  }

  private pick<Row>(statement: RangeStatement<Row>, prefix: string) {
    return prefixEnd(prefix) === undefined ? statement.open : statement.bounded;
  }

  private bounds(prefix: string, startKey: string): { start: string; end?: string } {
    const start = startKey || prefix;
    const end = prefixEnd(prefix);
    return end === undefined ? { start } : { start, end };
  }
}
