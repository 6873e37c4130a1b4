import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Outcome, Write } from './sqlite-commit.ts';
import { decodeOutcomes, type WireOutcomes } from './sqlite-commit-wire.ts';
import { StoreUnavailableError } from './store.ts';

/** What the API server's thread asks of the commit thread, about database `db`. */
export type CommitRequest =
  | { kind: 'open'; db: number; path: string }
  | { kind: 'commit'; db: number; writes: Write[] }
  | { kind: 'compact'; db: number; from: number; to: number }
  | { kind: 'close'; db: number };

/** The commit thread's answer to one request, sent in the order the requests came. */
export type CommitReply =
  | { kind: 'opened' }
  | { kind: 'committed'; outcomes: WireOutcomes; revision: number }
  | { kind: 'compacted' }
  | { kind: 'closed' }
  | { kind: 'failed'; message: string };

interface Waiter {
  resolve(reply: CommitReply): void;
  reject(err: Error): void;
}

const WORKER = new URL('./sqlite-commit-worker.ts', import.meta.url);

/**
 * The thread that writes SQLite files. A commit waits for its fsync (milliseconds on ordinary
 * disks); done on the API server's own thread, that wait would stall every request and watch.
 * Here the API server hands writes over and goes on serving; the thread answers each request
 * once it is on disk, in the order asked. Writes that arrive while a commit is on disk are
 * committed together in the next transaction (see sqlite-commit-worker.ts).
 *
 * One thread serves every store of the process (a thread costs a few hundred milliseconds to
 * start); it keeps the process alive only while a request is unanswered.
 */
class CommitThread {
  private readonly worker: Worker;
  private readonly waiting: Waiter[] = [];
  private failure: Error | undefined;
  private nextDb = 1;

  constructor() {
    this.worker = startWorker(WORKER);
    this.worker.unref();
    this.worker.on('message', (reply: CommitReply) => this.answer(reply));
    this.worker.on('error', (err) => this.fail(new StoreUnavailableError('the datastore commit thread failed', { cause: err })));
    this.worker.on('exit', (code) => this.fail(new StoreUnavailableError(`the datastore commit thread exited (code ${code})`)));
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** A new database number, for the file at `path`; its requests may follow at once. */
  open(path: string): { db: number; opened: Promise<CommitReply> } {
    const db = this.nextDb++;
    return { db, opened: this.request({ kind: 'open', db, path }) };
  }

  request(request: CommitRequest): Promise<CommitReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.worker.ref();
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(request);
    });
  }

  private answer(reply: CommitReply): void {
    const waiter = this.waiting.shift();
    if (this.waiting.length === 0) this.worker.unref();
    if (!waiter) return;
    if (reply.kind === 'failed') waiter.reject(new StoreUnavailableError('the datastore could not commit', { cause: new Error(reply.message) }));
    else waiter.resolve(reply);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(err);
    this.worker.unref();
  }
}

let shared: CommitThread | undefined;

/**
 * One database file's way to the commit thread: its commits, compactions and close, answered
 * in the order asked.
 */
export class Committer {
  private readonly thread: CommitThread;
  private readonly db: number;
  private closed = false;

  /** Opens the file at `path` (already created by the caller) on the commit thread. */
  constructor(path: string) {
    if (!shared || shared.failed) shared = new CommitThread();
    this.thread = shared;
    const { db, opened } = this.thread.open(path);
    this.db = db;
    // A failure to open surfaces in the requests that follow.
    opened.catch(() => {});
  }

  /** Commits `writes` in order, sharing a transaction with writes asked for at about the same time. */
  async commit(writes: Write[]): Promise<{ outcomes: Outcome[]; revision: number }> {
    const reply = await this.request({ kind: 'commit', db: this.db, writes });
    if (reply.kind !== 'committed') throw unexpected(reply);
    return { outcomes: decodeOutcomes(writes, reply.outcomes), revision: reply.revision };
  }

  /** Forgets history in (from, to] in one transaction. */
  async compact(from: number, to: number): Promise<void> {
    const reply = await this.request({ kind: 'compact', db: this.db, from, to });
    if (reply.kind !== 'compacted') throw unexpected(reply);
  }

  /** Answers what was asked before, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    const closing = this.request({ kind: 'close', db: this.db });
    this.closed = true;
    await closing;
  }

  private request(request: CommitRequest): Promise<CommitReply> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the store is closed'));
    return this.thread.request(request);
  }
}

function unexpected(reply: CommitReply): Error {
  return new StoreUnavailableError(`the datastore commit thread answered out of turn (${reply.kind})`);
}

/**
 * Starts a worker on module `url`, without the parent's command-line flags (a `--import` of
 * the parent's would be loaded again, for nothing). Run from TypeScript sources, a worker
 * thread does not inherit the tsx loader: it loads the module through tsx's in-thread
 * require hook, which starts several times faster than its module hooks.
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { execArgv: [] });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const boot = `require(${JSON.stringify(tsx)}).require(${JSON.stringify(fileURLToPath(url))}, __filename);`;
  return new Worker(boot, { eval: true, execArgv: [] });
}
