/**
 * The reconcile contract (controller-runtime's): a controller is a function from a key to a
 * {@link Result}; `runReconciler` owns the queue's get/done/forget so no controller has to.
 * - success → the key's backoff is forgotten; `requeueAfterMs` adds it again after that long;
 *   `requeue` adds it again with its backoff still growing (polling something not ready yet);
 * - a thrown error → retried with the key's growing backoff;
 * - a thrown {@link TerminalError} → no retry (it will not get better by waiting): logged, forgotten.
 */
import { yieldToEventLoop } from './event-loop-turn.ts';
import type { WorkQueue } from './work-queue.ts';

export interface Result {
  /** Reconcile again with backoff. */
  requeue?: boolean;
  /** Reconcile again after this many ms (wins over `requeue`). */
  requeueAfterMs?: number;
}

/** An error retrying cannot fix, e.g. an object that can never be made valid. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export type Reconcile = (key: string) => Promise<Result | void>;

export interface ReconcilerOptions {
  /** Keys processed at once (never the same key twice). Default 1. */
  workers?: number;
  /** Where failures are reported. Default: console.error. */
  log?: (line: string) => void;
  /** Name in log lines, e.g. "replicaset". */
  name?: string;
  /** Shuts the queue down when it aborts (a controller's run signal), so the workers return. */
  signal?: AbortSignal;
}

/** Runs `workers` loops over `queue` until it is shut down (or `signal` aborts); resolves when all have stopped. */
export async function runReconciler(queue: WorkQueue, reconcile: Reconcile, options: ReconcilerOptions = {}): Promise<void> {
  const log = options.log ?? ((line) => console.error(line));
  const prefix = options.name ? `${options.name}: ` : '';
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = (await reconcile(key)) ?? {};
        if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
          queue.forget(key);
          queue.addAfter(key, result.requeueAfterMs);
        } else if (result.requeue) {
          queue.addRateLimited(key);
        } else {
          queue.forget(key);
        }
      } catch (err) {
        if (err instanceof TerminalError) {
          queue.forget(key);
          log(`${prefix}${key}: giving up: ${err.message}`);
        } else {
          log(`${prefix}${key}: ${err instanceof Error ? err.message : String(err)} (retry ${queue.numRequeues(key) + 1})`);
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
      // Reconciles that resolve at once would otherwise hold the thread for the whole queue.
      await yieldToEventLoop();
    }
  };
  const { signal } = options;
  const stop = () => queue.shutDown();
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.workers ?? 1) }, worker));
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
