import { setTimeout as sleep } from 'node:timers/promises';
import { Range, type Etcd3, type ICompare, type KVClient } from 'etcd3';
import { createEtcdClient, isDeadline, isUnavailable, parseEtcdEndpoint, unavailable, wasNotSent, type EtcdClientOptions, type EtcdEndpoint } from './etcd-client.ts';
import { EtcdWatch, toKeyValue } from './etcd-watch.ts';
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  StoreUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type Watch,
  type WatchCallbacks,
} from './store.ts';

/** Options for {@link EtcdStore.connect}. */
export interface EtcdStoreOptions extends EtcdClientOptions {
  /** Where "cannot reach etcd, retrying" lines go. Default: standard error. */
  log?: (line: string) => void;
  /** First delay between attempts to reach etcd at start; it doubles up to `maxRetryDelayMs`. Default 1 s. */
  retryDelayMs?: number;
  /** Default 10 s. */
  maxRetryDelayMs?: number;
  /** Stops the attempts to reach etcd at start (connect then rejects). */
  signal?: AbortSignal;
}

/** How a call may be repeated when it fails. */
type Repeat = 'read' | 'write';

const COMPACTED = /required revision has been compacted/;
const FUTURE = /required revision is a future revision/;
const TOO_LARGE = /request is too large|received message larger than max/;
/** Any key: reads that only want the response header (the revision) name it. */
const ANY_KEY = Buffer.from([0]);

/**
 * The {@link Store} contract on etcd v3. Keys are stored as given (the API server's keys
 * already follow upstream's `/registry/<resource>/<namespace>/<name>` layout) and revisions
 * are etcd's own: `modRevision` is etcd's mod_revision, so an object's resourceVersion is the
 * one `etcdctl` shows. Writes are single transactions guarded by a comparison (create: the key
 * has no create revision; update and delete: its mod revision is the expected one), so a write
 * either happens whole or not at all.
 *
 * A fresh etcd is at revision 1, not 0. etcd does not tell a client how far history is
 * compacted; the store learns it by reading (a read at a compacted revision fails, and a
 * binary search finds the oldest one that does not), from its own compactions, and from the
 * compact revision etcd reports when it cancels a watch. Between those it is a lower bound:
 * a read or watch below the true value still fails with CompactedError, from etcd itself.
 *
 * When etcd cannot be reached every call fails within the call deadline (5 s by default) with
 * StoreUnavailableError, and every watch ends with it. Reads are retried on another member;
 * writes only when they certainly never left this process, so none is applied twice.
 */
export class EtcdStore implements Store {
  private compacted = 0;
  private refreshing: Promise<number> | undefined;
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;

  private constructor(private readonly client: Etcd3, private readonly endpoint: EtcdEndpoint) {}

  /**
   * Connects to the etcd cluster an endpoint names (see parseEtcdEndpoint). While no member
   * answers, it logs what it tried and what to do, waits, and tries again, until one does or
   * `options.signal` aborts.
   */
  static async connect(endpoint: string, options: EtcdStoreOptions = {}): Promise<EtcdStore> {
    const { log = (line: string) => process.stderr.write(`${line}\n`), retryDelayMs = 1000, maxRetryDelayMs = 10_000, signal } = options;
    const parsed = parseEtcdEndpoint(endpoint);
    const store = new EtcdStore(createEtcdClient(parsed, options), parsed);
    let delay = retryDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await store.refreshCompacted();
        if (attempt > 1) log(`reached etcd at ${parsed.hosts.join(',')}`);
        return store;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError) || signal?.aborted) {
          await store.close();
          throw err;
        }
        log(
          `cannot reach etcd (attempt ${attempt}): ${err.message}; retrying in ${delay / 1000} s. ` +
            'Check that etcd is running and reachable from here, and that --datastore-endpoint (and the --datastore-cafile/certfile/keyfile for https) are right.',
        );
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          await store.close();
          throw err;
        }
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call((kv) => kv.range({ key: Buffer.from(key) }), 'read');
    return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const { revision: requested = 0, limit = 0, startKey = '' } = options;
    if (startKey && !startKey.startsWith(prefix)) throw new RangeError(`list start key ${startKey} is outside prefix ${prefix}`);
    const range = Range.prefix(prefix);
    const res = await this.call(
      (kv) => kv.range({ key: startKey ? Buffer.from(startKey) : range.start, range_end: range.end, revision: requested, limit: Math.max(limit, 0) }),
      'read',
    ).catch((err) => this.readError(err, requested));
    const items = res.kvs.map(toKeyValue);
    const more = limit > 0 && res.more;
    return { items, revision: requested || Number(res.header.revision), more, remaining: more ? Number(res.count) - items.length : 0 };
  }

  async count(prefix: string): Promise<number> {
    const range = Range.prefix(prefix);
    const res = await this.call((kv) => kv.range({ key: range.start, range_end: range.end, count_only: true }), 'read');
    return Number(res.count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = Buffer.from(key);
    const res = await this.call(
      (kv) => kv.txn({ compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], success: [{ request_put: { key: k, value: Buffer.from(value) } }] }),
      'write',
    );
    if (!res.succeeded) throw new KeyExistsError(key);
    const revision = Number(res.header.revision);
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const res = await this.call(
      (kv) =>
        kv.txn({
          compare: [exists(k), { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
          success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        }),
      'write',
    );
    if (!res.succeeded) throw casFailure(key, res.responses);
    const prev = res.responses[0].response_put.prev_kv;
    return { key, value, createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const compare: ICompare[] = [exists(k)];
    if (expectedRevision !== undefined) compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision });
    const res = await this.call(
      (kv) => kv.txn({ compare, success: [{ request_delete_range: { key: k, prev_kv: true } }], failure: [{ request_range: { key: k } }] }),
      'write',
    );
    if (!res.succeeded) throw casFailure(key, res.responses);
    const removed = toKeyValue(res.responses[0].response_delete_range.prev_kvs[0]);
    return { ...removed, modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): Watch {
    const hooks = {
      compacted: (revision: number) => this.learnCompacted(revision),
      unavailable: (err: unknown) => (this.closed ? new StoreUnavailableError('the store is closed') : unavailable(err, this.endpoint)),
    };
    // On a closed store the watch fails at once: the closed client refuses to open a stream.
    const watch = new EtcdWatch(this.client, prefix, fromRevision, {
      onEvents: (events) => callbacks.onEvents(events),
      onError: (err) => {
        this.watches.delete(watch);
        callbacks.onError?.(err);
      },
    }, hooks);
    if (!this.closed) this.watches.add(watch);
    return {
      cancel: () => {
        this.watches.delete(watch);
        watch.cancel();
      },
    };
  }

  async currentRevision(): Promise<number> {
    const res = await this.call((kv) => kv.range({ key: ANY_KEY, count_only: true }), 'read');
    return Number(res.header.revision);
  }

  /** The oldest readable revision as far as this store knows (see the class comment); 0 if never compacted. */
  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return this.assertOpen();
    try {
      await this.call((kv) => kv.compact({ revision }), 'read');
      this.learnCompacted(revision);
    } catch (err) {
      const cause = (err as Error).cause;
      if (FUTURE.test(String(cause))) throw new RangeError(`cannot compact to revision ${revision}: it is in the future`);
      // Someone (another API server) compacted further already.
      if (COMPACTED.test(String(cause))) await this.refreshCompacted();
      else throw err;
    }
  }

  /** Ends every watch (without calling them back) and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watch of this.watches) watch.cancel();
    this.watches.clear();
    this.client.close();
  }

  /**
   * Runs one etcd call. A read that failed for want of a member is tried again (the client
   * picks another member, skipping those that keep failing), unless it ran out of time, so
   * no call waits for more than one deadline; a write is tried again only if it never left.
   * Failures become StoreUnavailableError, etcd's own refusals (compacted, future revision)
   * included, with the etcd error as `cause` for callers that tell them apart.
   */
  private async call<T>(fn: (kv: KVClient) => Promise<T>, repeat: Repeat): Promise<T> {
    this.assertOpen();
    const attempts = this.endpoint.hosts.length * 2 + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(this.client.kv);
      } catch (err) {
        if (this.closed) throw new StoreUnavailableError('the store is closed', { cause: err });
        // Not an outage: retrying cannot help, so it must not read as one (503 invites retries).
        if (TOO_LARGE.test(String(err))) throw new RangeError('the object is larger than etcd accepts (its --max-request-bytes, 1.5 MiB by default)', { cause: err });
        const again = attempt < attempts && (repeat === 'read' ? isUnavailable(err) && !isDeadline(err) && !COMPACTED.test(String(err)) && !FUTURE.test(String(err)) : wasNotSent(err));
        if (!again) throw unavailable(err, this.endpoint);
      }
    }
  }

  /** A failed read at `requested` as the store reports it. */
  private async readError(err: unknown, requested: number): Promise<never> {
    const cause = String((err as Error).cause);
    if (COMPACTED.test(cause)) throw new CompactedError(requested, await this.refreshCompacted());
    if (FUTURE.test(cause)) throw new RangeError(`revision ${requested} is in the future`);
    throw err;
  }

  private learnCompacted(revision: number): void {
    this.compacted = Math.max(this.compacted, revision);
  }

  /**
   * Finds the oldest readable revision by binary search between what is known to be compacted
   * and the current revision (always readable). Concurrent callers share one search.
   */
  private refreshCompacted(): Promise<number> {
    this.refreshing ??= (async () => {
      try {
        let low = Math.max(this.compacted, 1);
        let high = await this.currentRevision();
        while (low < high) {
          const mid = Math.floor((low + high) / 2);
          if (await this.readable(mid)) high = mid;
          else low = mid + 1;
        }
        // Revision 1 readable means nothing was ever compacted away (a fresh etcd starts there).
        this.learnCompacted(low === 1 ? 0 : low);
        return this.compacted;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async readable(revision: number): Promise<boolean> {
    try {
      await this.call((kv) => kv.range({ key: ANY_KEY, revision, count_only: true }), 'read');
      return true;
    } catch (err) {
      if (COMPACTED.test(String((err as Error).cause))) return false;
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the store is closed');
  }
}

function exists(key: Buffer): ICompare {
  return { key, target: 'Version', result: 'Greater', version: 0 };
}

/** Why a guarded update or delete did not happen, from the key as the failed transaction read it. */
function casFailure(key: string, responses: { response_range: { kvs: Parameters<typeof toKeyValue>[0][] } }[]): Error {
  const current = responses[0]?.response_range.kvs[0];
  return current ? new ConflictError(key, toKeyValue(current)) : new KeyNotFoundError(key);
}
