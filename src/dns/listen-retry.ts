/**
 * Binding to an address the host does not have yet: the node's pod gateway appears only when
 * the pod network puts it on the bridge, so a bind failing with EADDRNOTAVAIL is retried, with
 * a delay doubling from 200 ms to 5 s, until it works or the caller gives up. Any other error
 * is final.
 */
import { realClock, sleep, type Clock } from '../client/index.ts';

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5000;

/** Given up on before the address appeared. */
export class ListenAbortedError extends Error {
  constructor() {
    super('stopped before the address to listen on existed');
    this.name = 'ListenAbortedError';
  }
}

/** The address is not one of this host's (yet). */
function addressMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL';
}

/** Calls `listen` until it stops failing with EADDRNOTAVAIL; rejects with {@link ListenAbortedError} once `signal` aborts. */
export async function listenWhenAddressExists<T>(listen: () => Promise<T>, options: { signal: AbortSignal; clock?: Clock; onWait?: (err: Error) => void }): Promise<T> {
  for (let delay = FIRST_DELAY_MS, waited = false; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    if (options.signal.aborted) throw new ListenAbortedError();
    try {
      return await listen();
    } catch (err) {
      if (!addressMissing(err)) throw err;
      if (!waited) options.onWait?.(err as Error);
      waited = true;
      await sleep(options.clock ?? realClock, delay, options.signal);
    }
  }
}
