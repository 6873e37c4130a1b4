/**
 * The commit thread of the SQLite stores (see sqlite-committer.ts): it owns each file's only
 * writing connection. Each time it wakes it takes every request already waiting, commits the
 * writes among them to one file in one transaction (one fsync for all, each write still
 * checked and answered on its own), and answers every request in order, only once its commit
 * is on disk.
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { commitWrites } from './sqlite-commit.ts';
import { encodeOutcomes } from './sqlite-commit-wire.ts';
import type { CommitReply, CommitRequest } from './sqlite-committer.ts';
import { RevisionLog } from './sqlite-log.ts';

type Commit = Extract<CommitRequest, { kind: 'commit' }>;

interface Database {
  log: RevisionLog;
  revision: number;
}

/** A request holding the commit thread this long or longer is logged. */
const SLOW_MS = 1000;

const port = parentPort!;
const databases = new Map<number, Database>();

port.on('message', (first: CommitRequest) => {
  const requests = [first];
  for (let next; (next = receiveMessageOnPort(port)); ) requests.push(next.message as CommitRequest);
  for (let i = 0; i < requests.length; ) {
    const request = requests[i];
    if (request.kind === 'commit') {
      // Commits to the same file, asked for one after the other, share a transaction.
      let end = i + 1;
      while (end < requests.length && requests[end].kind === 'commit' && requests[end].db === request.db) end++;
      commitTogether(request.db, requests.slice(i, end) as Commit[]);
      i = end;
    } else {
      port.postMessage(attempt(() => handle(request)));
      i++;
    }
  }
});

function handle(request: Exclude<CommitRequest, Commit>): CommitReply {
  if (request.kind === 'open') {
    const log = RevisionLog.open(request.path);
    databases.set(request.db, { log, revision: log.currentRevision() });
    return { kind: 'opened' };
  }
  const database = opened(request.db);
  if (request.kind === 'compact') {
    const started = performance.now();
    database.log.compactSpan(request.from, request.to);
    warnIfSlow(started, `compacting revisions ${request.from + 1}-${request.to}`);
    return { kind: 'compacted' };
  }
  databases.delete(request.db);
  database.log.close();
  return { kind: 'closed' };
}

/** One transaction for the writes of several requests; one answer per request. */
function commitTogether(db: number, requests: Commit[]): void {
  let result: ReturnType<typeof commitWrites>;
  let database: Database;
  try {
    database = opened(db);
    const writes = requests.length === 1 ? requests[0].writes : requests.flatMap((r) => r.writes);
    const started = performance.now();
    result = commitWrites(database.log, writes, database.revision);
    // The commit includes SQLite's automatic WAL checkpoint when one falls due.
    warnIfSlow(started, `a commit of ${writes.length} writes`);
  } catch (err) {
    for (let i = 0; i < requests.length; i++) port.postMessage(failed(err));
    return;
  }
  let at = 0;
  for (const { writes } of requests) {
    const outcomes = result.outcomes.slice(at, at + writes.length);
    at += writes.length;
    for (const outcome of outcomes) if ('kv' in outcome) database.revision = outcome.kv.modRevision;
    port.postMessage({ kind: 'committed', outcomes: encodeOutcomes(outcomes), revision: database.revision } satisfies CommitReply);
  }
}

/**
 * Says so when one request held the commit thread for {@link SLOW_MS} or more: every write
 * of the API server, Lease renewals included, waited behind it.
 */
function warnIfSlow(started: number, what: string): void {
  const ms = performance.now() - started;
  if (ms >= SLOW_MS) console.warn(`datastore: ${what} held the commit thread for ${ms.toFixed(0)} ms`);
}

function opened(db: number): Database {
  const database = databases.get(db);
  if (!database) throw new Error(`database ${db} is not open on the commit thread`);
  return database;
}

function attempt(fn: () => CommitReply): CommitReply {
  try {
    return fn();
  } catch (err) {
    return failed(err);
  }
}

function failed(err: unknown): CommitReply {
  return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
}
