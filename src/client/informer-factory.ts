/**
 * Shares informers between controllers (client-go's SharedInformerFactory): every controller
 * asking for the same resource and selection gets the same informer, so one list and one
 * watch serve them all and they all read one cache. Cached objects come without
 * metadata.managedFields unless asked for (see InformerFactoryOptions).
 */
import type { Clock } from './clock.ts';
import { processObjectPool } from './informer-pool.ts';
import { Informer, listWatchFor, stripManagedFields, type Selection } from './informer.ts';
import type { KubeObject, ResourceRef, RestClient } from './rest-client.ts';

export interface InformerFactoryOptions {
  /** Resync period of every informer made here; 0 (the default) never. */
  resyncPeriodMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
  /**
   * Keep metadata.managedFields on cached objects. Default false: they are dropped
   * ({@link stripManagedFields}), as upstream's controller manager and scheduler do.
   */
  keepManagedFields?: boolean;
  /**
   * Deduplicate objects with the other factories of this process that share them (see
   * {@link processObjectPool}): for components running side by side (the controller manager
   * and the scheduler of `skiff server`), which then hold one copy of each pod and node and
   * parse each watch event once (decodeShared in watch-stream.ts).
   * Ignored with keepManagedFields (shared copies are all stripped the same way).
   */
  shareObjects?: boolean;
}

export class InformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  private started = false;

  constructor(
    private readonly client: RestClient,
    private readonly options: InformerFactoryOptions = {},
  ) {}

  /** The shared informer of `r` with `selection`; started at once if the factory already is. */
  informerFor<T extends KubeObject>(r: ResourceRef, selection: Selection = {}): Informer<T> {
    const key = [r.group, r.version, r.plural, selection.namespace ?? '', selection.labelSelector ?? '', selection.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(key) as Informer<T> | undefined;
    if (!informer) {
      const share = this.options.shareObjects === true && !this.options.keepManagedFields;
      informer = new Informer<T>(listWatchFor<T>(this.client, r, selection, share), {
        resyncPeriodMs: this.options.resyncPeriodMs,
        clock: this.options.clock,
        log: this.options.log,
        name: r.group ? `${r.plural}.${r.group}` : r.plural,
        transform: this.options.keepManagedFields ? undefined : stripManagedFields,
        pool: share ? processObjectPool : undefined,
      });
      this.informers.set(key, informer);
      if (this.started) informer.start();
    }
    return informer;
  }

  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  /** Resolves true once every informer asked for so far has synced. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  stop(): void {
    this.started = false;
    for (const informer of this.informers.values()) informer.stop();
  }
}
