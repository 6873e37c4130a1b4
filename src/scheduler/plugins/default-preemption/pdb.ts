/**
 * Which victims would break a PodDisruptionBudget: each budget allows status.disruptionsAllowed
 * more disruptions; victims are charged against every budget selecting them (in order), and a
 * victim that drives one below zero is "violating". Pods the budget already lists as disrupted
 * are not charged again. A budget with a missing or empty selector selects nothing.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { selectorFromLabelSelector, type LabelSelector } from '../../../api/labels.ts';

function selectorOf(pdb: PodDisruptionBudget): LabelSelector | undefined {
  try {
    const s = selectorFromLabelSelector(pdb.spec?.selector);
    return s.empty ? undefined : s;
  } catch {
    return undefined;
  }
}

/** Splits `pods` (order kept) into those whose eviction violates a budget and the rest. */
export function splitByPDBViolation<T extends { pod: Pod }>(pods: T[], pdbs: PodDisruptionBudget[]): { violating: T[]; nonViolating: T[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map(selectorOf);
  const violating: T[] = [];
  const nonViolating: T[] = [];
  for (const item of pods) {
    const { pod } = item;
    let violated = false;
    if (pod.metadata?.labels && Object.keys(pod.metadata.labels).length) {
      pdbs.forEach((pdb, i) => {
        const selector = selectors[i];
        if (!selector || pdb.metadata?.namespace !== pod.metadata?.namespace || !selector.matches(pod.metadata?.labels)) return;
        if (pdb.status?.disruptedPods && pod.metadata?.name! in pdb.status.disruptedPods) return;
        if (--allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(item);
  }
  return { violating, nonViolating };
}
