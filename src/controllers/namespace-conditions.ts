/**
 * The status conditions a namespace being deleted carries, so that `kubectl describe ns` says
 * why it is still there: each of upstream's five deletion conditions is always present, True
 * with a reason and message while that kind of trouble lasts, False ("ok") otherwise. A
 * condition keeps its lastTransitionTime until its status, reason or message changes.
 */
import type { NamespaceCondition } from 'kubernetes-types/core/v1.js';

/** What one pass over a namespace's content found. */
export interface DeletionOutcome {
  /** Failed deletes or lists, one message each. */
  errors: string[];
  /** "resource.group" → objects still there. */
  remaining: Map<string, number>;
  /** finalizer → objects still held by it. */
  finalizers: Map<string, number>;
}

interface ConditionText {
  type: string;
  okReason: string;
  okMessage: string;
}

const CONDITIONS: ConditionText[] = [
  { type: 'NamespaceDeletionDiscoveryFailure', okReason: 'ResourcesDiscovered', okMessage: 'All resources successfully discovered' },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', okReason: 'ParsedGroupVersions', okMessage: 'All legacy kube types successfully parsed' },
  { type: 'NamespaceDeletionContentFailure', okReason: 'ContentDeleted', okMessage: 'All content successfully deleted, may be waiting on finalization' },
  { type: 'NamespaceContentRemaining', okReason: 'ContentRemoved', okMessage: 'All content successfully removed' },
  { type: 'NamespaceFinalizersRemaining', okReason: 'ContentHasNoFinalizers', okMessage: 'All content-preserving finalizers finished' },
];

/** The failing conditions an outcome calls for, by type. */
function failures(outcome: DeletionOutcome): Map<string, { reason: string; message: string }> {
  const failing = new Map<string, { reason: string; message: string }>();
  if (outcome.errors.length > 0) {
    failing.set('NamespaceDeletionContentFailure', {
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${outcome.errors.length} remaining: ${outcome.errors.join(', ')}`,
    });
  }
  if (outcome.remaining.size > 0) {
    const parts = [...outcome.remaining].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${r} has ${n} resource instances`);
    failing.set('NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${parts.join(', ')}` });
  }
  if (outcome.finalizers.size > 0) {
    const parts = [...outcome.finalizers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, n]) => `${f} in ${n} resource instances`);
    failing.set('NamespaceFinalizersRemaining', { reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${parts.join(', ')}` });
  }
  return failing;
}

/**
 * The namespace's conditions after `outcome`: its other conditions as they were, then the five
 * deletion conditions. `now` stamps the ones that changed.
 */
export function deletionConditions(existing: NamespaceCondition[], outcome: DeletionOutcome, now: string): NamespaceCondition[] {
  const failing = failures(outcome);
  const ours = new Set(CONDITIONS.map((c) => c.type));
  const result = existing.filter((c) => !ours.has(c.type));
  for (const c of CONDITIONS) {
    const fail = failing.get(c.type);
    const wanted = { type: c.type, status: fail ? 'True' : 'False', reason: fail?.reason ?? c.okReason, message: fail?.message ?? c.okMessage };
    const old = existing.find((e) => e.type === c.type);
    const same = old && old.status === wanted.status && old.reason === wanted.reason && old.message === wanted.message;
    result.push(same ? old : { ...wanted, lastTransitionTime: now });
  }
  return result;
}
