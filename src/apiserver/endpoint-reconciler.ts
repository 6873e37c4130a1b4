/**
 * Keeps the `kubernetes` Service's Endpoints and EndpointSlice listing every live API server,
 * as upstream's lease endpoint reconciler does: each server renews a lease of its own in the
 * datastore and writes the addresses of all servers whose lease holds. A server that stops
 * cleanly drops its lease and its address at once; one that dies drops out when its lease
 * expires, at the next reconcile of any survivor. The last server never erases itself: a
 * Service with no endpoints at all helps nobody (upstream refuses the same).
 */
import { findResource } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { ConflictError, KeyExistsError, KeyNotFoundError, type Store } from '../storage/store.ts';
import { endpointSliceMatches, endpointsMatch, KUBERNETES_SERVICE, kubernetesEndpointSlice, kubernetesEndpoints } from './endpoint-reconciler-objects.ts';
import { DEFAULT_MASTER_LEASE_SECONDS, encodeMasterLease, MASTER_LEASES_PREFIX, masterLeaseKey, takeLeaseCensus } from './endpoint-reconciler-leases.ts';
import { StatusError } from './errors.ts';
import type { Registry } from './registry/registry.ts';

/** Options of {@link EndpointReconciler}. */
export interface EndpointReconcilerOptions {
  /** Holds the leases (raw keys, not API objects). */
  store: Store;
  /** Writes the Endpoints and EndpointSlice. */
  registry: Registry;
  /** The address this server advertises. */
  address: string;
  /** The port every server serves on. */
  port: number;
  /** Lease duration in seconds. Default 15. */
  leaseDurationSeconds?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

const WRITE_ATTEMPTS = 3;

function resource(group: string, plural: string): ResourceInfo {
  const r = findResource(group, 'v1', plural);
  if (!r) throw new Error(`${plural} missing from the catalogue`);
  return r;
}

/** Another server wrote (or deleted) the object between our read and our write. */
function lostRace(err: unknown): boolean {
  return err instanceof StatusError && (err.code === 409 || err.code === 404);
}

/** One server's share of the endpoint reconciling; the caller decides when it runs. */
export class EndpointReconciler {
  private readonly endpoints = resource('', 'endpoints');
  private readonly slices = resource('discovery.k8s.io', 'endpointslices');
  private readonly leaseSeconds: number;
  private readonly now: () => number;

  constructor(private readonly options: EndpointReconcilerOptions) {
    this.leaseSeconds = options.leaseDurationSeconds ?? DEFAULT_MASTER_LEASE_SECONDS;
    this.now = options.now ?? Date.now;
  }

  /** Renews this server's lease, then writes the live servers' addresses. */
  async reconcile(): Promise<void> {
    await this.renewLease();
    await this.writeLiveAddresses();
  }

  /** Gives up this server's lease and takes its address out (unless it was the last server). */
  async removeSelf(): Promise<void> {
    await this.options.store.delete(masterLeaseKey(this.options.address)).catch((err) => {
      if (!(err instanceof KeyNotFoundError)) throw err;
    });
    await this.writeLiveAddresses();
  }

  private async renewLease(): Promise<void> {
    const { store, address } = this.options;
    const key = masterLeaseKey(address);
    for (let attempt = 1; ; attempt++) {
      const value = encodeMasterLease(address, this.now(), this.leaseSeconds);
      const current = await store.get(key);
      try {
        if (current) await store.update(key, value, current.modRevision);
        else await store.create(key, value);
        return;
      } catch (err) {
        // Between our read and our write, a server advertising the same address renewed the
        // lease, or a survivor removed it as expired (this server was paused past it): read again.
        if (!(err instanceof ConflictError || err instanceof KeyExistsError || err instanceof KeyNotFoundError) || attempt === WRITE_ATTEMPTS) throw err;
      }
    }
  }

  private async writeLiveAddresses(): Promise<void> {
    const { store, port } = this.options;
    const census = takeLeaseCensus((await store.list(MASTER_LEASES_PREFIX)).items, this.now());
    for (const kv of census.expired) {
      // At its revision: a lease renewed since it was read stays.
      await store.delete(kv.key, kv.modRevision).catch((err) => {
        if (!(err instanceof ConflictError || err instanceof KeyNotFoundError)) throw err;
      });
    }
    if (census.live.length === 0) return;
    await this.apply(this.endpoints, kubernetesEndpoints(census.live, port), (e) => endpointsMatch(e, census.live, port));
    await this.apply(this.slices, kubernetesEndpointSlice(census.live, port), (s) => endpointSliceMatches(s, census.live, port));
  }

  /** Writes `desired` unless the stored object `matches` already; retries when another server wrote in between. */
  private async apply(r: ResourceInfo, desired: Record<string, any>, matches: (existing: Record<string, any>) => boolean): Promise<void> {
    const { registry } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await registry.get(r, 'default', KUBERNETES_SERVICE).catch((err) => {
          if (err instanceof StatusError && err.code === 404) return undefined;
          throw err;
        });
        if (existing && matches(existing)) return;
        if (!existing) await registry.create(r, 'default', desired);
        else await registry.update(r, 'default', KUBERNETES_SERVICE, { ...desired, metadata: { ...desired.metadata, resourceVersion: existing.metadata.resourceVersion } });
        return;
      } catch (err) {
        if (!lostRace(err) || attempt === WRITE_ATTEMPTS) throw err;
      }
    }
  }
}

/** Options of {@link startEndpointReconciler}. */
export interface StartEndpointReconcilerOptions extends EndpointReconcilerOptions {
  /** Milliseconds between reconciles. Default 10 000 (upstream's), well inside the lease. */
  intervalMs?: number;
  log: (line: string) => void;
}

/** A reconciler running on a timer; `stop()` ends it and removes this server's address. */
export interface RunningEndpointReconciler {
  stop(): Promise<void>;
}

/**
 * Reconciles once (failing like any start-up step would), then again every `intervalMs`;
 * later failures (an etcd outage) are logged and retried at the next tick.
 */
export async function startEndpointReconciler(options: StartEndpointReconcilerOptions): Promise<RunningEndpointReconciler> {
  const reconciler = new EndpointReconciler(options);
  await reconciler.reconcile();
  const intervalMs = options.intervalMs ?? 10_000;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(() => {
      running = reconciler
        .reconcile()
        .catch((err) => options.log(`endpoint reconciler: cannot update the kubernetes Service's endpoints: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running;
      await reconciler.removeSelf().catch((err) => options.log(`endpoint reconciler: cannot remove ${options.address} from the kubernetes Service's endpoints: ${err instanceof Error ? err.message : String(err)}`));
    },
  };
}
