/**
 * Remembers the EndpointSlice writes the controller made that its informer has not shown it
 * yet (upstream's EndpointSliceTracker). A sync that read a cache missing its own last create
 * would create the same endpoints again in a second slice; so while a Service has writes
 * outstanding, its sync waits for the cache instead of acting on it. Whether the cache shows a
 * write is read from the cache itself, as upstream's StaleSlices does: the watch event of a
 * write can be handled before the write's own answer, and an expectation recorded after its
 * event would otherwise wait for an event that already came. An expectation the cache never
 * meets (a write overtaken by another writer's delete, say) lapses after `maxWaitMs`.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

const DELETED = 'deleted';

export class SliceExpectations {
  /** service key → slice name → the resourceVersion written (or DELETED), and when */
  private readonly expected = new Map<string, Map<string, { rv: string; at: number }>>();

  /** `now` is the controller's clock; `maxWaitMs` defaults to 30 s. */
  constructor(
    private readonly now: () => number,
    private readonly maxWaitMs = 30_000,
  ) {}

  /** Records that `slice` (as the server answered a create or update) was written. */
  written(serviceKey: string, slice: EndpointSlice): void {
    this.slices(serviceKey).set(slice.metadata!.name!, { rv: slice.metadata!.resourceVersion ?? '', at: this.now() });
  }

  deleted(serviceKey: string, name: string): void {
    this.slices(serviceKey).set(name, { rv: DELETED, at: this.now() });
  }

  /**
   * Clears what the cache now shows: `slice` as the informer delivered it (gone when `deleted`).
   * Answers `own-write` when that is exactly the last write recorded for it (the version
   * {@link written} returned, or the delete {@link deleted} made), `other` otherwise.
   */
  observed(serviceKey: string, slice: EndpointSlice, deleted: boolean): 'own-write' | 'other' {
    const slices = this.expected.get(serviceKey);
    const name = slice.metadata?.name ?? '';
    const want = slices?.get(name)?.rv;
    if (want === undefined) return 'other';
    const rv = slice.metadata?.resourceVersion ?? '';
    const done = want === DELETED ? deleted : deleted || atLeast(rv, want);
    if (!done) return 'other';
    slices!.delete(name);
    if (slices!.size === 0) this.expected.delete(serviceKey);
    return (want === DELETED ? deleted : !deleted && rv === want) ? 'own-write' : 'other';
  }

  /**
   * Whether the cache still lacks some write made for this Service; `cached` is the slice of
   * that name the cache holds now. Expectations the cache meets (or that lapsed) are cleared.
   */
  stale(serviceKey: string, cached: (sliceName: string) => EndpointSlice | undefined): boolean {
    const slices = this.expected.get(serviceKey);
    if (!slices) return false;
    const now = this.now();
    for (const [name, { rv, at }] of slices) {
      const slice = cached(name);
      const seen = rv === DELETED ? !slice : !!slice && atLeast(slice.metadata?.resourceVersion ?? '', rv);
      if (seen || now - at >= this.maxWaitMs) slices.delete(name);
    }
    if (slices.size === 0) this.expected.delete(serviceKey);
    return slices.size > 0;
  }

  forget(serviceKey: string): void {
    this.expected.delete(serviceKey);
  }

  private slices(serviceKey: string): Map<string, { rv: string; at: number }> {
    let slices = this.expected.get(serviceKey);
    if (!slices) this.expected.set(serviceKey, (slices = new Map()));
    return slices;
  }
}

/**
 * Whether resourceVersion `rv` is `want` or later. Versions are opaque to clients in general,
 * but this server's are its store's revisions (integers that only grow); anything else is
 * compared for equality only.
 */
function atLeast(rv: string, want: string): boolean {
  if (/^\d+$/.test(rv) && /^\d+$/.test(want)) return BigInt(rv) >= BigInt(want);
  return rv === want;
}
