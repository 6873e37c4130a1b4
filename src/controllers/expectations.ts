/**
 * Expectations (upstream's UIDTrackingControllerExpectations): what a controller has asked the
 * API server to create or delete and not yet seen come back through its informer. While any
 * are outstanding the controller must not count pods again, or it would create (or delete) the
 * same pods twice. Creations are counted; deletions are tracked by pod key, so seeing the same
 * deletion twice (a deletionTimestamp, then the delete) lowers the count only once.
 * Expectations older than the TTL are treated as met, so a lost watch event cannot wedge a key.
 */
import type { Clock } from '../client/index.ts';

interface Expectation {
  creations: number;
  deletions: Set<string>;
  setAt: number;
}

/** Upstream's ExpectationsTimeout: 5 minutes. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** Whether the controller of `key` may act on what its caches show. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.creations <= 0 && e.deletions.size === 0) return true;
    return this.clock.now() - e.setAt > this.ttlMs;
  }

  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { creations: count, deletions: new Set(), setAt: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { creations: 0, deletions: new Set(podKeys), setAt: this.clock.now() });
  }

  /** One expected creation came back (or was given up). */
  creationObserved(key: string, count = 1): void {
    const e = this.byKey.get(key);
    if (e) e.creations -= count;
  }

  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletions.delete(podKey);
  }

  /** Forgets `key` (its owner is gone). */
  delete(key: string): void {
    this.byKey.delete(key);
  }
}
