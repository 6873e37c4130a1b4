/**
 * A key's newest value as the API server's state cache holds it, for the first attempt of a
 * write (see ObjectStore's `cachedValue`): the cache follows the store's watch, so it may lag
 * by the writes not yet delivered, which the write's compare-and-swap catches.
 */
import type { StateCache } from '../../storage/state-cache.ts';
import type { CachedValue } from './object-store.ts';

export function stateCacheValue(cache: StateCache): CachedValue {
  return (key) => cache.get(key);
}
