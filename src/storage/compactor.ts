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
  /** How many recent revisions stay readable (for watches that resume, lists that page). Default 1,000. */
  keepRevisions?: number;
  /** Told about a compaction that failed; the next tick tries again. Default: a console warning. */
  onError?: (err: unknown) => void;
  /** Default: the global timers. */
  timer?: IntervalTimer;
}

/**
 * Compacts `store` periodically, keeping the last `keepRevisions` revisions, so the log does
 * not grow without bound while watchers a little behind can still resume. A tick that finds
 * the previous compaction still running skips.
 */
export function startCompactor(store: Store, options: CompactorOptions = {}): { stop(): void } {
  const {
    intervalMs = 5 * 60_000,
    keepRevisions = 1000,
    onError = (err: unknown) => console.warn('storage compaction failed:', err),
    timer = globalThis,
  } = options;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const target = (await store.currentRevision()) - keepRevisions;
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
