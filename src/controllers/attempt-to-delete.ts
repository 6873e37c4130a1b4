/**
 * The garbage collector's decision for one dependent, as upstream's attemptToDeleteItem makes
 * it, with no I/O: given what became of each of its owners, keep it, drop the references to
 * owners that are gone or going, or delete it (and with which propagation).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../client/index.ts';
import { hasFinalizer } from './owner-graph.ts';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_DELETING_DEPENDENTS = 'foregroundDeletion';

/**
 * - absent: no object with the reference's uid exists (deleted, or never existed);
 * - waitingForDependentsDeletion: it is being deleted in the foreground, so its dependents go first;
 * - solid: anything else; it keeps its dependents.
 */
export type OwnerState = 'absent' | 'solid' | 'waitingForDependentsDeletion';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export type DependentAction =
  | { action: 'keep' }
  | { action: 'removeOwnerReferences'; uids: string[] }
  | { action: 'delete'; propagationPolicy: PropagationPolicy };

/** What an owner that exists means for its dependents. */
export function ownerStateOf(owner: KubeObject): OwnerState {
  return owner.metadata?.deletionTimestamp && hasFinalizer(owner, FINALIZER_DELETING_DEPENDENTS) ? 'waitingForDependentsDeletion' : 'solid';
}

/**
 * The action for `dependent`, whose owners are in `owners`. `hasDependents` says whether
 * anything refers to the dependent in turn: when it is deleted for an owner deleting in the
 * foreground, it is deleted in the foreground too, so the owner waits for the whole chain.
 */
export function decideForDependent(
  dependent: KubeObject,
  owners: { ref: OwnerReference; state: OwnerState }[],
  hasDependents: boolean,
): DependentAction {
  // Already going: its own deletion (and its finalizers) will finish the job.
  if (dependent.metadata?.deletionTimestamp) return { action: 'keep' };
  if (owners.length === 0) return { action: 'keep' };
  const solid = owners.filter((o) => o.state === 'solid');
  const waiting = owners.filter((o) => o.state === 'waitingForDependentsDeletion');
  if (solid.length > 0) {
    // A live owner keeps it; references to the others are dropped, or a foreground owner would wait on it forever.
    const uids = owners.filter((o) => o.state !== 'solid').map((o) => o.ref.uid);
    return uids.length ? { action: 'removeOwnerReferences', uids } : { action: 'keep' };
  }
  if (waiting.length > 0 && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  if (hasFinalizer(dependent, FINALIZER_ORPHAN)) return { action: 'delete', propagationPolicy: 'Orphan' };
  if (hasFinalizer(dependent, FINALIZER_DELETING_DEPENDENTS)) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}

/** The dependents an owner deleting in the foreground must see gone before it can go. */
export function blockingDependents<T extends KubeObject>(ownerUid: string, dependents: T[]): T[] {
  return dependents.filter((d) => d.metadata?.ownerReferences?.some((ref) => ref.uid === ownerUid && ref.blockOwnerDeletion === true));
}
