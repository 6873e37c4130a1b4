import type { Store } from './store.ts';

/** The timer functions the compactor runs on; tests pass a manual clock. */
export interface IntervalTimer {
  setInterval(tick: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options for {@link startCompactor}. */
export interface CompactorOptions {
  /** How often to compact. Default 5 minutes, like kube-apiserver and kine. */
  intervalMs?: number;
  /** How many recent revisions stay readable (for watches that resume, lists that page), at least. Default 1,000. */
  keepRevisions?: number;
  /** Told about a compaction that failed; the next tick tries again. Default: a console warning. */
  onError?: (err: unknown) => void;
  /** Default: the global timers. */
  timer?: IntervalTimer;
}

/**
 * Compacts `store` periodically, so the log does not grow without bound while watchers a
 * little behind can still resume. Each tick keeps the last `keepRevisions` revisions and every
 * revision written since the previous tick (as kube-apiserver compacts etcd to the revision it
 * saw one interval earlier): a paginated list pins the revision of its first page, and at
 * 150,000 pods an informer's list takes minutes, so keeping only the last 1,000 revisions
 * expired its continue token at each tick and the list started over, again and again. A tick
 * that finds the previous compaction still running skips.
 */
export function startCompactor(store: Store, options: CompactorOptions = {}): { stop(): void } {
  const {
    intervalMs = 5 * 60_000,
    keepRevisions = 1000,
    onError = (err: unknown) => console.warn('storage compaction failed:', err),
    timer = globalThis,
  } = options;
  let running = false;
  /** The store's revision at the previous tick; nothing after it is compacted. */
  let previous = 0;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const current = await store.currentRevision();
      const target = Math.min(current - keepRevisions, previous);
      previous = current;
      if (target > (await store.compactedRevision())) await store.compact(target);
    } catch (err) {
      onError(err);
    } finally {
      running = false;
    }
  };
  const handle = timer.setInterval(() => void tick(), intervalMs);
  return { stop: () => timer.clearInterval(handle) };
}
