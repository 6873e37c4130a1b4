/**
 * A write that lost a compare-and-swap race (another writer changed the object since the
 * cache saw it) is routine for a controller: the sync runs again, with backoff, from the newer
 * object, and no error is logged.
 */
import { isConflict, type Result } from '../client/index.ts';

export async function requeueOnConflict(sync: Promise<Result | void>): Promise<Result | void> {
  try {
    return await sync;
  } catch (err) {
    if (isConflict(err)) return { requeue: true };
    throw err;
  }
}
