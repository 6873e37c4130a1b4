/**
 * An informer keeps a local cache of one resource in step with the API server and tells
 * handlers what changed: it lists (in pages of 500), then watches from the list's
 * resourceVersion with bookmarks. A watch the server ends cleanly is simply reopened from the
 * last version seen. A watch that fails (410 Expired, a dropped connection, a refused watch) is
 * followed by a relist, with backoff while relists fail; the relist is compared with the cache
 * and only the difference is delivered (adds, updates for changed resourceVersions, deletes for
 * objects gone), so handlers see every change once and none twice.
 *
 * Objects handed to handlers and read from `cache` are the cached ones, shared by every
 * reader: `structuredClone` them before changing anything.
 */
import { apiVersionOf } from '../api/resource.ts';
import { isResourceExpired } from './api-error.ts';
import { realClock, type Clock } from './clock.ts';
import { yieldToEventLoop } from './event-loop-turn.ts';
import type { KubeList, KubeObject, ListOptions, ResourceRef, RestClient, Watch, WatchEvent, WatchOptions } from './rest-client.ts';
import type { ObjectPool } from './informer-pool.ts';
import { keyOf, ObjectCache, type Delta, type IndexFunc } from './store.ts';

/** Where an informer gets its objects: one resource, one namespace (or all), fixed selectors. */
export interface ListerWatcher<T> {
  list(options: ListOptions): Promise<KubeList<T>>;
  watch(options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onClose: (err?: Error) => void): Watch;
}

export interface Selection {
  /** Default: every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The {@link ListerWatcher} of resource `r` through `client`. With `sharedDecode`, watch events
 * are parsed once for every watch of the process that shares them (read-only objects).
 */
export function listWatchFor<T extends KubeObject>(client: RestClient, r: ResourceRef, selection: Selection = {}, sharedDecode = false): ListerWatcher<T> {
  const { namespace, labelSelector, fieldSelector } = selection;
  const apiVersion = apiVersionOf(r);
  return {
    async list(options) {
      const list = await client.list<T>(r, namespace, { labelSelector, fieldSelector, ...options });
      // List items carry no kind of their own; handlers (and the event recorder) want it.
      for (const item of list.items) {
        item.apiVersion ??= apiVersion;
        item.kind ??= r.kind;
      }
      return list;
    },
    watch(options, onEvent, onClose) {
      return client.watch<T>(r, namespace, { labelSelector, fieldSelector, ...options, sharedDecode }, onEvent, onClose);
    },
  };
}

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  /** Also called with old === obj on every resync. */
  onUpdate?(old: T, obj: T): void;
  /** The object's last known state. */
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  /** Re-deliver every cached object as an update this often; 0 (the default) never. */
  resyncPeriodMs?: number;
  /** Default: the real clock. */
  clock?: Clock;
  /** List page size. Default 500. */
  pageSize?: number;
  /** Backoff between failed relists: first delay (default 800 ms), doubling up to maxBackoffMs (default 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Indexes besides the built-in ones (namespace, label, owner, nodeName). */
  indexers?: Record<string, IndexFunc<T>>;
  /** Where failures are reported. Default: console.error. */
  log?: (line: string) => void;
  /** Name in log lines, e.g. "pods". */
  name?: string;
  /** Server-side watch timeout; the watch is reopened after it. Default: 5–10 minutes, random, as client-go. */
  watchTimeoutSeconds?: () => number;
  /**
   * Applied to every object before it is cached or handed to handlers (client-go's
   * TransformFunc), e.g. {@link stripManagedFields}. It may change the object it is given.
   */
  transform?: (obj: T) => T;
  /**
   * Where objects are deduplicated with other informers' (after `transform`): the cache and
   * handlers get the copy another informer already holds of the same version.
   */
  pool?: ObjectPool;
}

/**
 * Drops metadata.managedFields, as upstream's kube-controller-manager and kube-scheduler do to
 * their informers' objects: no controller reads them, and they are about half of a parsed pod.
 * An update sent without them keeps the stored ones.
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata;
  if (metadata?.managedFields === undefined) return obj;
  // A new object rather than `delete`, which would turn metadata into a slower, bigger dictionary.
  const { managedFields: _dropped, ...rest } = metadata;
  obj.metadata = rest;
  return obj;
}

export class Informer<T extends KubeObject> {
  /** The local cache; see the module comment before mutating what it returns. */
  readonly cache: ObjectCache<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly name: string;
  private synced = false;
  /** The run whose relist is handing its changes to the handlers registered before it (see relist). */
  private handingOver = -1;
  private running = false;
  private resourceVersion = '';
  /** Failed lists in a row. */
  private failures = 0;
  /** Failed watches in a row, counting one that delivered events as the first. */
  private watchFailures = 0;
  private watch?: Watch;
  private cancelTimer?: () => void;
  private cancelResync?: () => void;
  private syncWaiters: ((synced: boolean) => void)[] = [];
  /** Bumped by stop(): callbacks of an older run are ignored. */
  private run = 0;

  constructor(
    private readonly source: ListerWatcher<T>,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? ((line) => console.error(line));
    this.name = options.name ?? 'informer';
    this.cache = new ObjectCache<T>();
    for (const [name, fn] of Object.entries(options.indexers ?? {})) this.cache.addIndexer(name, fn);
  }

  /** Registers handlers; if the cache is already filled they get an add for each object at once. */
  addEventHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced || this.handingOver === this.run) for (const obj of this.cache.list()) this.call(handler, 'onAdd', obj);
  }

  /**
   * Unregisters handlers added with addEventHandler: they get nothing more, not even the rest of
   * a relist being handed over. The informer keeps watching for the handlers that remain, so a
   * component whose part in them ends (a scheduler's leadership term) need not list again.
   */
  removeEventHandler(handler: EventHandler<T>): void {
    const i = this.handlers.indexOf(handler);
    if (i >= 0) this.handlers.splice(i, 1);
  }

  /** Starts listing and watching; a second call does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const run = ++this.run;
    void this.relist(run);
    const period = this.options.resyncPeriodMs ?? 0;
    if (period > 0) this.scheduleResync(run, period);
  }

  /** Stops watching; the cache keeps its contents. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.run++;
    this.watch?.stop();
    this.watch = undefined;
    this.cancelTimer?.();
    this.cancelResync?.();
    for (const resolve of this.syncWaiters.splice(0)) resolve(false);
  }

  /** Whether the first list has filled the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced; false if stopped (or `signal` aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (!this.running || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== done);
        resolve(false);
      };
      const done = (synced: boolean) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion the cache reflects (the last list, event or bookmark). */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  private async relist(run: number): Promise<void> {
    let list: { items: T[]; resourceVersion: string };
    try {
      list = await this.listAll();
    } catch (err) {
      if (run !== this.run) return;
      this.failures++;
      const delay = this.backoff(this.failures);
      this.log(`${this.name}: list failed (${message(err)}); retrying in ${delay} ms`);
      this.cancelTimer = this.clock.setTimer(delay, () => void this.relist(run));
      return;
    }
    if (run !== this.run) return;
    this.failures = 0;
    this.resourceVersion = list.resourceVersion;
    const deltas = this.cache.replace(list.items);
    // Handed over a slice at a time (150,000 objects in one go held the thread for seconds), to
    // the handlers there now; one added meanwhile gets the cache as the relist left it.
    const handlers = [...this.handlers];
    this.handingOver = run;
    try {
      for (const d of deltas) {
        this.deliver(d, handlers);
        const turn = yieldToEventLoop();
        if (turn) {
          await turn;
          if (run !== this.run) return;
        }
      }
    } finally {
      if (this.handingOver === run) this.handingOver = -1;
    }
    // Synced once the handlers have had every listed object, as they had before waiters woke.
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve(true);
    }
    this.startWatch(run);
  }

  /** Every page, transformed; a continue token that expired mid-way restarts the list from the top. */
  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const limit = this.options.pageSize ?? 500;
    for (;;) {
      const items: T[] = [];
      let token: string | undefined;
      let resourceVersion = '';
      try {
        do {
          const page = await this.source.list({ limit, continue: token });
          // Transformed page by page, so a long list does not hold every page's full objects at once.
          for (const item of page.items) items.push(this.received(item));
          resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
          token = page.metadata?.continue || undefined;
        } while (token);
      } catch (err) {
        if (token && isResourceExpired(err)) continue;
        throw err;
      }
      return { items, resourceVersion };
    }
  }

  /**
   * Watches from the last version seen. A watch that fails right after another one failed
   * without delivering anything (a refused watch, say) waits out a backoff before the relist,
   * so a broken watch cannot turn into a tight list loop.
   */
  private startWatch(run: number): void {
    const timeoutSeconds = this.options.watchTimeoutSeconds?.() ?? Math.floor(300 * (1 + Math.random()));
    let delivered = false;
    this.watch = this.source.watch(
      { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
      (event) => {
        if (run !== this.run) return;
        delivered = true;
        this.onWatchEvent(event);
      },
      (err) => {
        if (run !== this.run) return;
        this.watch = undefined;
        if (!err) return this.startWatch(run);
        this.watchFailures = delivered ? 1 : this.watchFailures + 1;
        const delay = this.watchFailures > 1 ? this.backoff(this.watchFailures - 1) : 0;
        if (!isResourceExpired(err) || delay > 0) this.log(`${this.name}: watch ended (${message(err)}); relisting${delay > 0 ? ` in ${delay} ms` : ''}`);
        if (delay === 0) return void this.relist(run);
        this.cancelTimer = this.clock.setTimer(delay, () => void this.relist(run));
      },
    );
  }

  /** The wait after the n-th failure in a row (n ≥ 1). */
  private backoff(n: number): number {
    return Math.min((this.options.initialBackoffMs ?? 800) * 2 ** (n - 1), this.options.maxBackoffMs ?? 30_000);
  }

  private onWatchEvent(event: WatchEvent<T>): void {
    const obj = event.type === 'BOOKMARK' ? event.object : this.received(event.object);
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    switch (event.type) {
      case 'BOOKMARK':
        return;
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.cache.set(obj);
        this.deliver(old ? { type: 'updated', old, object: obj } : { type: 'added', object: obj });
        return;
      }
      case 'DELETED': {
        const old = this.cache.delete(keyOf(obj));
        if (old) this.deliver({ type: 'deleted', object: obj });
        return;
      }
    }
  }

  /** An object as it comes from the server, as the cache keeps it: transformed, then pooled. */
  private received(obj: T): T {
    const { transform, pool } = this.options;
    const own = transform ? transform(obj) : obj;
    return pool ? pool.intern(own) : own;
  }

  private scheduleResync(run: number, period: number): void {
    this.cancelResync = this.clock.setTimer(period, () => {
      if (run !== this.run) return;
      if (this.synced) for (const obj of this.cache.list()) for (const h of this.handlers) this.call(h, 'onUpdate', obj, obj);
      this.scheduleResync(run, period);
    });
  }

  private deliver(d: Delta<T>, handlers = this.handlers): void {
    for (const h of handlers) {
      // A relist hands over to the handlers it started with; one removed since gets no more.
      if (handlers !== this.handlers && !this.handlers.includes(h)) continue;
      if (d.type === 'added') this.call(h, 'onAdd', d.object);
      else if (d.type === 'updated') this.call(h, 'onUpdate', d.old, d.object);
      else this.call(h, 'onDelete', d.object);
    }
  }

  private call(h: EventHandler<T>, which: keyof EventHandler<T>, ...args: T[]): void {
    try {
      (h[which] as ((...a: T[]) => void) | undefined)?.apply(h, args);
    } catch (err) {
      this.log(`${this.name}: ${which} handler failed: ${message(err)}`);
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
