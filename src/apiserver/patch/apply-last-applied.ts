/**
 * Moving from client-side to server-side apply, as upstream eases it for kubectl: an object
 * that `kubectl apply` (client-side) manages carries its last applied configuration in the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation. When `kubectl apply
 * --server-side` (field manager "kubectl") conflicts only over fields that configuration set
 * and that still hold the values it set, the apply takes them over without force; and after a
 * server-side apply by "kubectl" the annotation is rewritten to the new configuration, so a
 * later client-side apply computes its patch from the right base.
 */
import { compare, fieldSetOf, type Shape } from '../managed-fields-paths.ts';
import type { FieldSet } from '../managed-fields-set.ts';
import type { KObject } from '../registry/object-store.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** The field manager of `kubectl apply --server-side`, the only one the upgrade applies to. */
export const KUBECTL_APPLY_MANAGER = 'kubectl';

function lastAppliedOf(live: KObject | undefined): KObject | undefined {
  const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields a server-side apply by kubectl may take over without force: those of the last
 * client-side applied configuration whose live values are still the applied ones.
 */
export function conflictsAllowedByLastApplied(live: KObject | undefined, shape: Shape): FieldSet | undefined {
  const lastApplied = lastAppliedOf(live);
  if (!lastApplied) return undefined;
  const set = fieldSetOf(lastApplied, shape);
  const diff = compare(lastApplied, live, shape);
  return set.difference(diff.modified).difference(diff.removed);
}

/**
 * After a server-side apply by kubectl: rewrites the last-applied annotation (if the object has
 * one) to the applied configuration, without the annotation itself.
 */
export function syncLastApplied(object: KObject, config: KObject): void {
  const annotations = object.metadata?.annotations;
  if (!annotations || typeof annotations[LAST_APPLIED_ANNOTATION] !== 'string') return;
  const applied = structuredClone(config);
  const appliedAnnotations = applied.metadata?.annotations;
  if (appliedAnnotations) {
    delete appliedAnnotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(appliedAnnotations).length === 0) delete applied.metadata.annotations;
  }
  annotations[LAST_APPLIED_ANNOTATION] = JSON.stringify(applied);
}
