/**
 * Go preempts a busy goroutine; Node runs a chain of resolved promises to its end before it
 * takes in any I/O. A control loop whose steps all resolve at once — reconciles that find
 * nothing to write, an informer handing 150,000 listed objects to its handlers — is such a
 * chain, and in `skiff server` it shares its thread with the API server: at 150,000 pods the
 * controller manager's first sync kept that thread for 10–15 s at a time, so no request was
 * answered, the controller manager's and the scheduler's own Lease renewals included, and both
 * lost leadership (and relisted everything, starting over).
 *
 * Loops call {@link yieldToEventLoop} between steps: once the current turn of the event loop
 * has run for `budgetMs`, it returns a promise that resolves on the next turn (after pending
 * I/O has been taken in); otherwise undefined, at the cost of a clock read.
 */
import { performance } from 'node:perf_hooks';

/** How long a turn may run before loops step aside. */
const DEFAULT_BUDGET_MS = 20;

/** When the current turn was first seen; undefined once the loop has turned since. */
let turnStart: number | undefined;
let nextTurn: Promise<void> | undefined;

export function yieldToEventLoop(budgetMs = DEFAULT_BUDGET_MS): Promise<void> | undefined {
  const now = performance.now();
  if (turnStart === undefined) {
    turnStart = now;
    // Marks the end of this turn, so a loop waiting on I/O between steps never waits here.
    setImmediate(() => (turnStart = undefined));
    return undefined;
  }
  if (now - turnStart < budgetMs) return undefined;
  nextTurn ??= new Promise((resolve) =>
    setImmediate(() => {
      nextTurn = undefined;
      resolve();
    }),
  );
  return nextTurn;
}
