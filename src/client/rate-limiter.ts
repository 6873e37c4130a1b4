/**
 * How long a key waits before its next retry. The default is client-go's item limiter:
 * 5 ms after the first failure, doubling with each further failure, at most 1000 s, until the
 * key is forgotten (it succeeded, or it was given up on).
 */

export interface RateLimiter {
  /** Records one more failure of `key` and says how long it should wait (ms). */
  when(key: string): number;
  /** Clears `key`'s failure history. */
  forget(key: string): void;
  /** Failures recorded for `key` since it was last forgotten. */
  numRequeues(key: string): number;
}

export class ItemExponentialFailureRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  /** Defaults: 5 ms doubling to 1,000 s. */
  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 1_000_000,
  ) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}
