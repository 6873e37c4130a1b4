/**
 * The arithmetic of the disruption controller, free of I/O: which pods a PodDisruptionBudget
 * covers, how many it expects and wants healthy, which of them count as healthy now, which
 * `status.disruptedPods` entries (pods an eviction has spent a disruption on) still stand,
 * and the status the budget should then carry.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { selectorFromLabelSelector } from '../api/labels.ts';
import { isPodReady } from './pod-util.ts';

/** How long an evicted pod may take to get its deletionTimestamp before its disruption is given back (upstream's DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** The pods of the budget's namespace its selector matches (policy/v1: an empty selector matches all, a missing one none). */
export function podsOfBudget(pdb: PodDisruptionBudget, pods: Pod[]): Pod[] {
  const selector = selectorFromLabelSelector(pdb.spec?.selector);
  const namespace = pdb.metadata?.namespace;
  return pods.filter((p) => p.metadata?.namespace === namespace && selector.matches(p.metadata?.labels ?? {}));
}

/** Whether the budget is stated against its pods' controllers' scale (a percentage, or maxUnavailable) rather than a pod count. */
export function needsScale(spec: PodDisruptionBudgetSpec | undefined): boolean {
  if (spec?.maxUnavailable !== undefined && spec.maxUnavailable !== null) return true;
  return typeof spec?.minAvailable === 'string';
}

/** A budget value that is neither a count nor a percentage. */
export class InvalidIntOrPercentError extends Error {
  constructor(value: string) {
    super(`invalid value for IntOrString: ${JSON.stringify(value)} is not a percentage`);
    this.name = 'InvalidIntOrPercentError';
  }
}

/** An int-or-percent against `total`, percentages rounded up as upstream does for budgets. */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new InvalidIntOrPercentError(value);
  return Math.ceil((Number(match[1]) * total) / 100);
}

/**
 * expectedPods and desiredHealthy. `matching` is the number of selected pods; `scale` the
 * summed replicas of their controllers, needed only when {@link needsScale}.
 */
export function expectedAndDesired(spec: PodDisruptionBudgetSpec | undefined, matching: number, scale: number): { expectedPods: number; desiredHealthy: number } {
  if (spec?.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    return { expectedPods: scale, desiredHealthy: Math.max(0, scale - scaledValue(spec.maxUnavailable, scale)) };
  }
  if (typeof spec?.minAvailable === 'number') return { expectedPods: matching, desiredHealthy: spec.minAvailable };
  if (typeof spec?.minAvailable === 'string') return { expectedPods: scale, desiredHealthy: scaledValue(spec.minAvailable, scale) };
  return { expectedPods: 0, desiredHealthy: 0 };
}

const timeOf = (text: string): number => Date.parse(text);

/**
 * The disruptedPods entries that still stand at `now`: those of selected pods not yet being
 * deleted whose eviction is under {@link DELETION_TIMEOUT_MS} old. `recheckAfterMs` is when
 * the next standing entry runs out; `expired` names entries whose pod was never deleted.
 */
export function pruneDisruptedPods(
  disrupted: Record<string, string> | undefined,
  pods: Pod[],
  now: number,
): { disruptedPods: Record<string, string>; recheckAfterMs?: number; expired: string[] } {
  const disruptedPods: Record<string, string> = {};
  const expired: string[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const since = disrupted?.[name];
    if (since === undefined || pod.metadata?.deletionTimestamp) continue;
    const deadline = timeOf(since) + DELETION_TIMEOUT_MS;
    if (!(deadline > now)) {
      expired.push(name);
      continue;
    }
    disruptedPods[name] = since;
    recheckAt = recheckAt === undefined ? deadline : Math.min(recheckAt, deadline);
  }
  return { disruptedPods, recheckAfterMs: recheckAt === undefined ? undefined : recheckAt - now, expired };
}

/** Ready pods not being deleted and not already spent by an eviction. */
export function countHealthy(pods: Pod[], disruptedPods: Record<string, string>): number {
  return pods.filter((p) => !p.metadata?.deletionTimestamp && disruptedPods[p.metadata?.name ?? ''] === undefined && isPodReady(p)).length;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** `conditions` with the DisruptionAllowed condition set; its transition time moves only when its status does. */
function withCondition(conditions: Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: number): Condition[] {
  const old = conditions?.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : rfc3339(now);
  return [...(conditions ?? []).filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
}

/** The status of a budget whose numbers were worked out. */
export function budgetStatus(
  pdb: PodDisruptionBudget,
  counts: { expectedPods: number; desiredHealthy: number; currentHealthy: number; disruptedPods: Record<string, string> },
  now: number,
): PodDisruptionBudgetStatus {
  const disruptionsAllowed = Math.max(0, counts.currentHealthy - counts.desiredHealthy);
  const observedGeneration = pdb.metadata?.generation ?? 0;
  const status: PodDisruptionBudgetStatus = {
    observedGeneration,
    disruptionsAllowed,
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedPods,
    conditions: withCondition(
      pdb.status?.conditions,
      disruptionsAllowed > 0
        ? { type: DISRUPTION_ALLOWED, status: 'True', reason: SUFFICIENT_PODS, message: '', observedGeneration }
        : { type: DISRUPTION_ALLOWED, status: 'False', reason: INSUFFICIENT_PODS, message: '', observedGeneration },
      now,
    ),
  };
  if (Object.keys(counts.disruptedPods).length > 0) status.disruptedPods = counts.disruptedPods;
  return status;
}

/** The fail-safe status of a budget that could not be worked out: no disruptions, and why. */
export function failedStatus(pdb: PodDisruptionBudget, message: string, now: number): PodDisruptionBudgetStatus {
  const observedGeneration = pdb.metadata?.generation ?? 0;
  return {
    ...pdb.status,
    observedGeneration,
    disruptionsAllowed: 0,
    currentHealthy: pdb.status?.currentHealthy ?? 0,
    desiredHealthy: pdb.status?.desiredHealthy ?? 0,
    expectedPods: pdb.status?.expectedPods ?? 0,
    conditions: withCondition(pdb.status?.conditions, { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message, observedGeneration }, now),
  };
}
