/**
 * Namespaces: DNS-label names, finalizers that are standard or fully qualified, and a phase
 * consistent with whether the namespace is being deleted.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { nameIsDNSLabel, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isQualifiedName } from './names.ts';

const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

function validateSpecFinalizers(finalizers: unknown): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of Array.isArray(finalizers) ? finalizers : []) {
    const name = String(f);
    errs.push(...isQualifiedName(name).map((m) => fieldError.invalid('spec.finalizers', name, m)));
    if (!name.includes('/') && !STANDARD_FINALIZERS.includes(name)) {
      errs.push(fieldError.invalid('spec.finalizers', name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export function validateNamespace(ns: any): FieldError[] {
  return [...validateObjectMeta(ns.metadata, { namespaced: false, name: nameIsDNSLabel }), ...validateSpecFinalizers(ns.spec?.finalizers)];
}

export function validateNamespaceUpdate(ns: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ns.metadata, old.metadata), ...validateSpecFinalizers(ns.spec?.finalizers)];
}

export function validateNamespaceStatusUpdate(ns: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata);
  const phase = ns.status?.phase;
  if (!ns.metadata?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(fieldError.invalid('status.Phase', phase ?? '', "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    errs.push(fieldError.invalid('status.Phase', phase ?? '', "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return errs;
}
