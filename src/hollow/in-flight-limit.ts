import { Fifo } from '../client/fifo.ts';

/**
 * At most N calls in flight at once; the rest wait their turn in order. Hollow nodes share
 * one client (one keep-alive agent), so this bounds both the connections they open and the
 * load a burst of heartbeats can put on the API server at once.
 */
export class InFlightLimit {
  private active = 0;
  /** A Fifo: thousands of nodes' heartbeats and pod updates can wait here, and Array#shift is O(n) past ~16k. */
  private readonly waiting = new Fifo<{ start: () => void; drop: (reason: Error) => void }>();
  private readonly idleWaiters: (() => void)[] = [];

  /** @param max calls in flight at once (at least 1). */
  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`in-flight limit must be a positive integer, got ${max}`);
  }

  /** Runs `call` once a slot is free; settles as it does. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((start, drop) => this.waiting.push({ start, drop }));
    else this.active++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else if (--this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * Rejects with `reason` every call still waiting for a slot (they never start); calls already
   * running finish. Stopping thousands of hollow nodes behind a backlog of heartbeats would
   * otherwise send every queued heartbeat first.
   */
  dropWaiting(reason: Error): void {
    for (const { drop } of this.waiting.drain()) drop(reason);
  }

  /** Calls running or waiting. */
  get pending(): number {
    return this.active + this.waiting.length;
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
