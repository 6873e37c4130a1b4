/**
 * The numbers a RollingUpdate works with (upstream's ResolveFenceposts): maxSurge and
 * maxUnavailable as pod counts, from ints or percentages of spec.replicas. Surge rounds up,
 * unavailability rounds down, and if both come out 0 one pod may be unavailable, or the
 * rollout could never make progress.
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';

export type IntOrString = number | string;

/** `value` as a count: an int as is, "N%" as N% of `total`, rounded up or down. */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid value "${value}": must be an integer or percentage (e.g. '5%')`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, replicas: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true);
  let unavailable = scaledValue(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Pods the deployment may have beyond spec.replicas (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (d.spec?.strategy?.type === 'Recreate') return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, d.spec?.replicas ?? 1).surge;
}

/** Pods that may be unavailable during a rolling update, never more than spec.replicas (0 for Recreate, as upstream). */
export function maxUnavailable(d: Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  if (d.spec?.strategy?.type === 'Recreate' || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable, replicas);
}
