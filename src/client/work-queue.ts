/**
 * A rate-limited work queue of keys ("namespace/name"), as client-go's workqueue. Invariants:
 * - a key is queued at most once however often it is added (the `dirty` set);
 * - a key handed out by `get` is `processing` until `done`; it is never handed out again
 *   meanwhile, and if it was added while processing it is queued again by `done`;
 * - `addAfter` and `addRateLimited` add the key later (earliest wins if asked twice);
 *   `addRateLimited` waits longer with each failure of that key until it is `forget`-ten.
 * Controllers should not drive it by hand: `runReconciler` (reconciler.ts) owns get/done/forget.
 */
import { realClock, type Clock } from './clock.ts';
import { Fifo } from './fifo.ts';
import { ItemExponentialFailureRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions {
  /** Default: the real clock. */
  clock?: Clock;
  /** Default: {@link ItemExponentialFailureRateLimiter} (5 ms doubling to 1,000 s). */
  rateLimiter?: RateLimiter;
}

export class WorkQueue {
  /** A Fifo, not an array: a relist queues every key (150,000 pods), and Array#shift is O(n) at that size. */
  private readonly queue = new Fifo<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; cancel: () => void }>();
  private readonly getters = new Fifo<(key: string | undefined) => void>();
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.rateLimiter = options.rateLimiter ?? new ItemExponentialFailureRateLimiter();
  }

  /** Queues `key` unless it is already queued; a key being processed is queued on `done`. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Adds `key` after `ms`; a pending earlier add of the same key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { at, cancel });
  }

  /** Adds `key` after the backoff its failures so far call for. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets `key`'s backoff (call after it succeeded or was given up on). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key, waiting for one if need be; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Ends the processing of `key`; queues it again if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.handOut();
    }
  }

  /** Keys queued and not yet handed out. */
  len(): number {
    return this.queue.length;
  }

  /** Stops the queue: pending and future `get`s resolve undefined, delayed adds are dropped. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { cancel } of this.waiting.values()) cancel();
    this.waiting.clear();
    for (const resolve of this.getters.drain()) resolve(undefined);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private handOut(): void {
    while (this.getters.length > 0 && this.queue.length > 0) {
      const resolve = this.getters.shift()!;
      resolve(this.take(this.queue.shift()!));
    }
  }
}
