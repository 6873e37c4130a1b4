/**
 * At most N calls in flight at once; the rest wait their turn in order. Hollow nodes share
 * one client (one keep-alive agent), so this bounds both the connections they open and the
 * load a burst of heartbeats can put on the API server at once.
 */
export class InFlightLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  /** @param max calls in flight at once (at least 1). */
  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`in-flight limit must be a positive integer, got ${max}`);
  }

  /** Runs `call` once a slot is free; settles as it does. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else if (--this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
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
