/**
 * Runs a controller's work queue until its run signal aborts: the reconcile workers of
 * `runReconciler`, and a queue shut down by the signal so that they return.
 */
import { runReconciler, type Reconcile, type WorkQueue } from '../client/index.ts';
import type { ControllerContext } from './controller.ts';

export async function runQueue(signal: AbortSignal, queue: WorkQueue, reconcile: Reconcile, ctx: ControllerContext, name: string): Promise<void> {
  const stop = () => queue.shutDown();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    await runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name });
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
