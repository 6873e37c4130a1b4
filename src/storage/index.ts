/**
 * Storage: where the cluster's state lives. The {@link Store} contract (etcd's: one global
 * revision, compare-and-swap writes, watch from a revision, compaction), its backends (an
 * embedded SQLite file by default), the compactor that bounds history, and the API server's
 * watch cache.
 */
import { SqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

export * from './store.ts';
export { SqliteStore } from './sqlite.ts';
export { WatchCache, type WatchCacheOptions } from './watch-cache.ts';
export { startCompactor, type CompactorOptions, type IntervalTimer } from './compactor.ts';

const ACCEPTED = 'sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...]';

/**
 * Opens the datastore a `--datastore-endpoint` names: `sqlite://PATH` (an absolute path is
 * `sqlite:///var/lib/...`; a relative one is taken from the working directory).
 */
export async function openStore(endpoint: string): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const path = endpoint.slice('sqlite://'.length);
      if (!path) throw new Error(`datastore endpoint ${endpoint} names no file; expected ${ACCEPTED}`);
      return SqliteStore.open(path);
    }
    case 'etcd':
      throw new Error('the etcd datastore is not available yet');
    default:
      throw new Error(`unsupported datastore endpoint "${endpoint}"; expected ${ACCEPTED}`);
  }
}
