/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: of all
 * candidates running with the same lease, one leads at a time.
 *
 * A candidate takes the lease when it is free (no holder) or expired, and the leader renews
 * it every `retryPeriodMs`. Every write is an update carrying the resourceVersion it read, so
 * of two candidates racing for the lease the API server lets exactly one through. Expiry is
 * judged by this candidate's own clock from when it last saw the lease change, never by
 * comparing another machine's renewTime with ours, so clock skew cannot cause two leaders.
 * A leader that cannot renew for `renewDeadlineMs` stops leading (before its lease can expire
 * for others, since renewDeadline < leaseDuration); one that stops cleanly releases the lease
 * (empty holder) so a successor takes over at once.
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../api/catalogue.ts';
import { formatMicroTime } from '../api/time.ts';
import { isAlreadyExists, isConflict, isNotFound } from './api-error.ts';
import { realClock, sleep, type Clock } from './clock.ts';
import type { RestClient } from './rest-client.ts';

/** What leader election needs of the API: read and compare-and-swap one Lease. */
export type LeaseClient = Pick<RestClient, 'get' | 'create' | 'update'>;

export interface LeaderElectionOptions {
  /** The Lease's name, e.g. "kube-controller-manager". */
  name: string;
  /** Default "kube-system". */
  namespace?: string;
  /** This candidate, unique among candidates (e.g. hostname + random suffix). */
  identity: string;
  /** How long a lease stays valid without renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before giving up. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once leadership has ended (lost or released). */
  onStoppedLeading?: () => void;
  /** Called whenever the observed leader changes, with its identity ('' for none). */
  onNewLeader?: (identity: string) => void;
  clock?: Clock;
  log?: (line: string) => void;
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly namespace: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: (line: string) => void;
  private observed?: { spec: LeaseSpec; at: number };
  private leading = false;
  /** The Lease as this candidate last read or wrote it (the base of an optimistic renewal). */
  private lastLease?: Lease;
  private readonly leases = findResource('coordination.k8s.io', 'v1', 'leases')!;

  constructor(
    private readonly client: LeaseClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.namespace = options.namespace ?? 'kube-system';
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.log = options.log ?? ((line) => console.error(line));
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('leader election: renewDeadline must be shorter than leaseDuration');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the lease ('' for none). */
  leader(): string {
    return this.observed?.spec.holderIdentity ?? '';
  }

  /**
   * Campaigns until leading, leads until `signal` aborts (then releases the lease) or renewal
   * fails for renewDeadline, and resolves once leadership has ended. To campaign again after a
   * loss, call `run` again (controller managers usually exit instead).
   */
  async run(signal: AbortSignal): Promise<void> {
    let acquired = false;
    while (!signal.aborted && !(acquired = await this.tryAcquireOrRenew())) await sleep(this.clock, this.retryPeriodMs, signal);
    if (signal.aborted) {
      if (acquired) await Promise.race([this.release(), sleep(this.clock, this.renewDeadlineMs)]);
      return;
    }
    this.leading = true;
    const leadership = new AbortController();
    this.log(`leader election: ${this.options.identity} became leader of ${this.namespace}/${this.options.name}`);
    Promise.resolve()
      .then(() => this.options.onStartedLeading(leadership.signal))
      .catch((err) => this.log(`leader election: onStartedLeading failed: ${err instanceof Error ? err.message : String(err)}`));
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (signal.aborted) break;
      // A renewal that hangs must not keep us leading past the deadline: give up waiting for it then.
      const remaining = Math.max(0, this.renewDeadlineMs - (this.clock.now() - lastRenew));
      const renewed = await Promise.race([this.tryAcquireOrRenew(), sleep(this.clock, remaining).then(() => false)]);
      if (renewed) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.log(`leader election: ${this.options.identity} failed to renew ${this.namespace}/${this.options.name} for ${this.renewDeadlineMs} ms; stopping`);
        break;
      }
    }
    this.leading = false;
    leadership.abort();
    if (signal.aborted) await Promise.race([this.release(), sleep(this.clock, this.renewDeadlineMs)]);
    this.options.onStoppedLeading?.();
  }

  /** One attempt: true when this candidate holds the lease afterwards. Failures count as false. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: 0,
    };
    const seen = this.observed?.spec;
    if (this.leading && this.lastLease && seen?.holderIdentity === this.options.identity && this.observed!.at + (seen.leaseDurationSeconds ?? 0) * 1000 > now) {
      // The leader renews from the Lease it last wrote, one request instead of a read and a
      // write (client-go's fast path): under load every request waits, and a renewal must
      // land within renewDeadline. If someone else wrote it since, the read-then-write below decides.
      try {
        const updated = await this.client.update<Lease>(this.leases, {
          ...this.lastLease,
          spec: { ...mine, acquireTime: seen.acquireTime ?? mine.acquireTime, leaseTransitions: seen.leaseTransitions ?? 0 },
        });
        this.observe(updated, now);
        return true;
      } catch (err) {
        if (!isConflict(err)) this.log(`leader election: renewing ${this.namespace}/${this.options.name} from the lease last seen: ${err instanceof Error ? err.message : String(err)}; reading it again`);
      }
    }
    try {
      let lease: Lease;
      try {
        lease = await this.client.get<Lease>(this.leases, this.namespace, this.options.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const created = await this.client.create<Lease>(this.leases, { metadata: { name: this.options.name, namespace: this.namespace }, spec: mine });
        this.observe(created, now);
        return true;
      }
      const spec = lease.spec ?? {};
      this.observe(lease, now);
      const holder = spec.holderIdentity ?? '';
      const durationMs = (spec.leaseDurationSeconds ?? mine.leaseDurationSeconds!) * 1000;
      if (holder && holder !== this.options.identity && this.observed!.at + durationMs > now) return false;
      if (holder === this.options.identity) {
        mine.acquireTime = spec.acquireTime ?? mine.acquireTime;
        mine.leaseTransitions = spec.leaseTransitions ?? 0;
      } else {
        mine.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
      }
      const updated = await this.client.update<Lease>(this.leases, { ...lease, spec: mine });
      this.observe(updated, now);
      return true;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) {
        this.log(`leader election: ${this.namespace}/${this.options.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return false;
    }
  }

  /** Gives the lease up (empty holder) if this candidate still holds it. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<Lease>(this.leases, this.namespace, this.options.name);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = formatMicroTime(this.clock.now());
      await this.client.update<Lease>(this.leases, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      });
    } catch (err) {
      this.log(`leader election: releasing ${this.namespace}/${this.options.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Notes the lease as seen at `now`: the expiry clock restarts only when the record changed. */
  private observe(lease: Lease, now: number): void {
    const spec = lease.spec ?? {};
    const rv = lease.metadata?.resourceVersion ?? '';
    const prev = this.observed?.spec;
    const changed = !prev || rv !== (this.lastLease?.metadata?.resourceVersion ?? '');
    this.lastLease = lease;
    if (changed) {
      if ((prev?.holderIdentity ?? '') !== (spec.holderIdentity ?? '') || !prev) this.options.onNewLeader?.(spec.holderIdentity ?? '');
      this.observed = { spec, at: now };
    }
  }
}
