/**
 * Keeping a running scheduler from scheduling, through its own leader election: a benchmark
 * takes the kube-scheduler Lease (another holder, a long duration), the scheduler fails to renew,
 * stops leading and campaigns again; pods created meanwhile stay Pending. Giving the Lease back
 * (empty holder, as a leader that stops cleanly does) lets the scheduler take it at its next try
 * and schedule the backlog. No flag or hook in the scheduler: it is what a second candidate that
 * won the Lease and then stopped would do to it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../src/api/catalogue.ts';
import { formatMicroTime } from '../src/api/time.ts';
import { isConflict, type RestClient } from '../src/client/index.ts';
import { waitForLine } from './skiff-process.ts';

const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
const NAMESPACE = 'kube-system';
const NAME = 'kube-scheduler';

/** Writes the Lease's holder (compare-and-swap, retried on conflict with the scheduler's own renewals). */
async function setHolder(client: RestClient, holderIdentity: string, leaseDurationSeconds: number): Promise<void> {
  for (;;) {
    const lease = await client.get<Lease>(leases, NAMESPACE, NAME);
    const now = formatMicroTime(Date.now());
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (holderIdentity ? 1 : 0);
    try {
      await client.update<Lease>(leases, { ...lease, spec: { ...lease.spec, holderIdentity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: transitions } });
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

/**
 * Takes the kube-scheduler Lease for `holder` and resolves once the control plane `server` has
 * logged that its scheduler stopped leading (it keeps trying to renew for its renew deadline, 10 s).
 */
export async function holdSchedulerLease(client: RestClient, server: ChildProcess, holder: string, timeoutMs = 60_000): Promise<void> {
  const stepped = waitForLine(server, /failed to renew kube-system\/kube-scheduler .*stopping/, 'the scheduler to stop leading', timeoutMs, 'stderr');
  await setHolder(client, holder, 3600);
  await stepped;
}

/** Gives the Lease back (no holder), so the scheduler takes it at its next try (every 2 s). */
export async function releaseSchedulerLease(client: RestClient): Promise<void> {
  await setHolder(client, '', 1);
}
