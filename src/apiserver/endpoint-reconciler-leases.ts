/**
 * The API servers' own leases, as upstream's lease endpoint reconciler keeps them: one key per
 * server address under `/registry/masterleases/`, renewed while the server runs. Upstream gives
 * the key an etcd TTL; our Store has no TTLs, so the value carries its renew time and duration
 * and every reader decides expiry against its own clock.
 */
import { isIP } from 'node:net';
import type { KeyValue } from '../storage/store.ts';
import { ipv4ToInt } from './registry/allocator.ts';

/** Where the servers' leases live (upstream's key prefix). */
export const MASTER_LEASES_PREFIX = '/registry/masterleases/';

/** How long a lease lasts unrenewed, as upstream's default (seconds). */
export const DEFAULT_MASTER_LEASE_SECONDS = 15;

/** What one server's lease says: who it is and until when it holds. */
export interface MasterLease {
  /** The address the server advertises (the key's last segment too). */
  address: string;
  /** When the server last renewed it (RFC 3339). */
  renewTime: string;
  leaseDurationSeconds: number;
}

/** The lease key of the server advertising `address`. */
export function masterLeaseKey(address: string): string {
  return MASTER_LEASES_PREFIX + address;
}

/** The stored value of a lease renewed at `nowMs`. */
export function encodeMasterLease(address: string, nowMs: number, leaseDurationSeconds: number): string {
  const lease: MasterLease = { address, renewTime: new Date(nowMs).toISOString(), leaseDurationSeconds };
  return JSON.stringify(lease);
}

function decode(value: string): MasterLease | undefined {
  try {
    const lease = JSON.parse(value) as Partial<MasterLease>;
    if (typeof lease.address !== 'string' || !isIP(lease.address)) return undefined;
    if (typeof lease.renewTime !== 'string' || Number.isNaN(Date.parse(lease.renewTime))) return undefined;
    if (typeof lease.leaseDurationSeconds !== 'number' || !(lease.leaseDurationSeconds > 0)) return undefined;
    return lease as MasterLease;
  } catch {
    return undefined;
  }
}

/** IPv4 addresses in numeric order, then the rest in text order: a stable order for Endpoints. */
function compareAddresses(a: string, b: string): number {
  const x = ipv4ToInt(a);
  const y = ipv4ToInt(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The leases read from the store, split into the servers still alive and the keys to clean up. */
export interface LeaseCensus {
  /** Addresses of the servers whose lease holds at `now`, distinct, in a stable order. */
  live: string[];
  /** Expired or unreadable leases (delete them at the revision given). */
  expired: KeyValue[];
}

/** Sorts the stored leases at `nowMs`: a lease holds until its renew time plus its duration. */
export function takeLeaseCensus(leases: KeyValue[], nowMs: number): LeaseCensus {
  const live = new Set<string>();
  const expired: KeyValue[] = [];
  for (const kv of leases) {
    const lease = decode(kv.value);
    if (lease && nowMs < Date.parse(lease.renewTime) + lease.leaseDurationSeconds * 1000) live.add(lease.address);
    else expired.push(kv);
  }
  return { live: [...live].sort(compareAddresses), expired };
}
