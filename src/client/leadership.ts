/**
 * Runs a component's work only while it holds its Lease: each leadership term gets a fresh
 * signal, and a component that loses its lease campaigns again until shut down. With leader
 * election off, the work runs once, for the whole life of the component.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from './clock.ts';
import { LeaderElector } from './leader-election.ts';
import type { RestClient } from './rest-client.ts';

export interface LeadershipOptions {
  /** The Lease in kube-system, e.g. "kube-scheduler". */
  lease: string;
  /** Campaign first (default true); false runs `lead` at once. */
  leaderElect?: boolean;
  /** Default: host name + a random suffix. */
  identity?: string;
  clock: Clock;
  log: (line: string) => void;
}

/** Resolves once `shutdown` aborts and the current term (if any) has ended. */
export async function runWhileLeading(
  client: RestClient,
  options: LeadershipOptions,
  lead: (signal: AbortSignal) => Promise<void>,
  shutdown: AbortSignal,
): Promise<void> {
  if (options.leaderElect === false) return lead(shutdown);
  const identity = options.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
  while (!shutdown.aborted) {
    let term: Promise<void> = Promise.resolve();
    const elector = new LeaderElector(client, {
      name: options.lease,
      identity,
      clock: options.clock,
      log: options.log,
      onStartedLeading: (signal) => {
        term = lead(signal);
        return term;
      },
    });
    await elector.run(shutdown);
    await term;
  }
}
