/**
 * ObjectMeta validation, common to every kind: name (by the kind's own name rule),
 * generateName, namespace, labels, annotations, ownerReferences, finalizers, and what an
 * update may not change.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, nonNegative, tooLong } from './fields.ts';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
} from './names.ts';

/** A kind's name rule; `prefix` is true for generateName, which may end in '-'. */
export type NameValidator = (name: unknown, prefix: boolean) => string[];

/** generateName "web-" must be judged as if the generated suffix were there. */
function maskTrailingDash(name: unknown): unknown {
  return typeof name === 'string' && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const nameIsPathSegment: NameValidator = (name) => isValidPathSegmentName(name);

/** Annotations (keys plus values) may take at most 256 KiB in all. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (labels === undefined || labels === null) return errs;
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(String(v ?? ''))) errs.push(fieldError.invalid(path, v, m));
  }
  return errs;
}

export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((m) => fieldError.invalid(path, name, m));
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (annotations === undefined || annotations === null) return errs;
  let size = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    // Annotation keys are qualified names in any case.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldError.invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function versionOf(apiVersion: unknown): string {
  const parts = String(apiVersion).split('/');
  if (parts.length === 1) return parts[0];
  if (parts.length === 2) return parts[1];
  return '';
}

export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let controller: string | undefined;
  for (const ref of refs) {
    const r = (ref ?? {}) as Record<string, any>;
    if (!versionOf(r.apiVersion ?? '')) errs.push(fieldError.invalid(`${path}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(fieldError.invalid(`${path}.kind`, r.kind ?? '', 'must not be empty'));
    if (!r.name) errs.push(fieldError.invalid(`${path}.name`, r.name ?? '', 'must not be empty'));
    if (!r.uid) errs.push(fieldError.invalid(`${path}.uid`, r.uid ?? '', 'must not be empty'));
    if (r.controller === true) {
      const who = `${r.kind}/${r.name}`;
      if (controller !== undefined) {
        errs.push(fieldError.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${who}`));
      } else {
        controller = who;
      }
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  for (const f of finalizers) errs.push(...isQualifiedName(String(f)).map((m) => fieldError.invalid(path, f, m)));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(fieldError.invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** How a kind's metadata is judged. */
export interface ObjectMetaRules {
  /** Whether the kind lives in a namespace. */
  namespaced: boolean;
  /** The kind's name rule. */
  name: NameValidator;
}

/**
 * ValidateObjectMeta for a new object. generateName is resolved into name before validation,
 * but is still checked, since it is stored.
 */
export function validateObjectMeta(meta: any, rules: ObjectMetaRules): FieldError[] {
  const { namespaced, name: nameFn } = rules;
  const path = 'metadata';
  const m = (meta ?? {}) as Record<string, any>;
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true)) errs.push(fieldError.invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) {
    errs.push(fieldError.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameFn(m.name, false)) errs.push(fieldError.invalid(`${path}.name`, m.name, msg));
  }
  if (namespaced) {
    if (!m.namespace) errs.push(fieldError.required(`${path}.namespace`, ''));
    else for (const msg of nameIsDNSLabel(m.namespace, false)) errs.push(fieldError.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fieldError.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  errs.push(...nonNegative(m.generation, `${path}.generation`));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}

/**
 * ValidateObjectMetaUpdate. An update that leaves uid or creationTimestamp out keeps the old
 * one (upstream's BeforeUpdate copies them), so only a different value is an error.
 */
export function validateObjectMetaUpdate(meta: any, old: any): FieldError[] {
  const path = 'metadata';
  const m = (meta ?? {}) as Record<string, any>;
  const o = (old ?? {}) as Record<string, any>;
  const errs: FieldError[] = [];
  if (o.deletionTimestamp && Array.isArray(m.finalizers)) {
    const added = m.finalizers.filter((f: string) => !(o.finalizers ?? []).includes(f));
    if (added.length) {
      errs.push(
        fieldError.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${[...new Set(added)].sort().map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  if ((m.generation ?? 0) < (o.generation ?? 0)) errs.push(fieldError.invalid(`${path}.generation`, m.generation ?? 0, 'must not be decremented'));
  errs.push(...immutable(m.name, o.name, `${path}.name`));
  errs.push(...immutable(m.namespace, o.namespace, `${path}.namespace`));
  if (m.uid) errs.push(...immutable(m.uid, o.uid, `${path}.uid`));
  if (m.creationTimestamp) errs.push(...immutable(m.creationTimestamp, o.creationTimestamp, `${path}.creationTimestamp`));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}
