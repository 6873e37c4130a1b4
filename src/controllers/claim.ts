/**
 * Claiming (upstream's ControllerRefManager): deciding which of the objects a controller sees
 * are its own. An object is the owner's when its controller reference names the owner's uid.
 * An orphan whose labels match the owner's selector is adopted (the reference is added); an
 * owned object whose labels stopped matching is released (the reference is removed). Nothing
 * is adopted or released while the owner, or the object, is being deleted.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { LabelSelector } from '../api/labels.ts';
import { isNotFound, type KubeObject, type ResourceRef, type RestClient } from '../client/index.ts';
import { controllerRefOf } from './controller-ref.ts';

export type ClaimDecision = 'own' | 'adopt' | 'release' | 'ignore';

/** What the owner `ownerRef` (with `selector`, being deleted or not) does with `obj`. */
export function claimDecision(obj: KubeObject, ownerRef: OwnerReference, selector: LabelSelector, ownerDeleting: boolean): ClaimDecision {
  const ref = controllerRefOf(obj);
  const matches = selector.matches(obj.metadata?.labels);
  if (ref) {
    if (ref.uid !== ownerRef.uid) return 'ignore';
    if (matches) return 'own';
    // Releasing during the owner's deletion would race with the garbage collector.
    if (ownerDeleting || obj.metadata?.deletionTimestamp) return 'own';
    return 'release';
  }
  if (!matches || ownerDeleting || obj.metadata?.deletionTimestamp) return 'ignore';
  return 'adopt';
}

export interface ClaimOptions {
  client: Pick<RestClient, 'patch'>;
  resource: ResourceRef;
  ownerRef: OwnerReference;
  selector: LabelSelector;
  ownerDeleting: boolean;
  /**
   * Asked once before the first adoption: whether the owner (read fresh from the API, not the
   * cache) still exists with the same uid and is not being deleted.
   */
  canAdopt(): Promise<boolean>;
}

/**
 * The objects of `objects` that the owner controls after adopting and releasing as
 * {@link claimDecision} says. Writes are compare-and-swap on the cached resourceVersion, so a
 * concurrent change makes the claim fail (and the caller retry) rather than clobber it.
 */
export async function claimObjects<T extends KubeObject>(objects: T[], o: ClaimOptions): Promise<T[]> {
  const claimed: T[] = [];
  let mayAdopt: boolean | undefined;
  for (const obj of objects) {
    const decision = claimDecision(obj, o.ownerRef, o.selector, o.ownerDeleting);
    if (decision === 'own') claimed.push(obj);
    if (decision === 'adopt') {
      mayAdopt ??= await o.canAdopt();
      if (!mayAdopt) continue;
      const refs = [...(obj.metadata?.ownerReferences ?? []), o.ownerRef];
      const updated = await setOwnerReferences(o, obj, refs);
      if (updated) claimed.push(updated);
    }
    if (decision === 'release') {
      const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== o.ownerRef.uid);
      await setOwnerReferences(o, obj, refs);
    }
  }
  return claimed;
}

/** Undefined when the object is gone (nothing to claim). */
async function setOwnerReferences<T extends KubeObject>(o: ClaimOptions, obj: T, refs: OwnerReference[]): Promise<T | undefined> {
  const m = obj.metadata!;
  const patch = { metadata: { resourceVersion: m.resourceVersion, ownerReferences: refs.length ? refs : null } };
  try {
    return await o.client.patch<T>(o.resource, m.namespace, m.name!, patch, 'merge');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
