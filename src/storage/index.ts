/**
 * Storage: where the cluster's state lives. The {@link Store} contract (etcd's: one global
 * revision, compare-and-swap writes, watch from a revision, compaction), its backends (an
 * embedded SQLite file by default, or an etcd cluster), the compactor that bounds history,
 * and the API server's watch cache.
 */
import { EtcdStore } from './etcd.ts';
import type { EtcdTls } from './etcd-client.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

export * from './store.ts';
export { SqliteStore } from './sqlite.ts';
export { EtcdStore, type EtcdStoreOptions } from './etcd.ts';
export type { EtcdTls } from './etcd-client.ts';
export { WatchCache, type WatchCacheOptions } from './watch-cache.ts';
export { startCompactor, type CompactorOptions, type IntervalTimer } from './compactor.ts';

const ACCEPTED = 'sqlite://PATH, etcd://HOST:PORT[,HOST:PORT...] or https://HOST:PORT[,...]';

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** Client TLS for an https:// etcd endpoint (--datastore-cafile, --datastore-certfile, --datastore-keyfile). */
  tls?: EtcdTls;
  /** Where "cannot reach etcd, retrying" lines go. Default: standard error. */
  log?: (line: string) => void;
}

/**
 * Opens the datastore a `--datastore-endpoint` names: `sqlite://PATH` (an absolute path is
 * `sqlite:///var/lib/...`; a relative one is taken from the working directory), or an etcd
 * cluster: `etcd://h1:2379,h2:2379` (or `http://…`) in plain text, `https://h1:2379,…` over
 * TLS. An etcd that cannot be reached is retried (and logged) until it answers.
 */
export async function openStore(endpoint: string, options: OpenStoreOptions = {}): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const path = endpoint.slice('sqlite://'.length);
      if (!path) throw new Error(`datastore endpoint ${endpoint} names no file; expected ${ACCEPTED}`);
      return SqliteStore.open(path);
    }
    case 'etcd':
    case 'http':
    case 'https':
      return EtcdStore.connect(endpoint, options);
    default:
      throw new Error(`unsupported datastore endpoint "${endpoint}"; expected ${ACCEPTED}`);
  }
}
