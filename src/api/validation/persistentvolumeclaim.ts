/**
 * PersistentVolumeClaims: access modes, a positive storage request, storage class and volume
 * mode. After creation only the storage request (growing) and, once, volumeName may change.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { describeChanges, oneOf, record, semanticEqual } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isDNS1123Subdomain } from './names.ts';
import { validateAccessModes, VOLUME_MODES } from './persistentvolume.ts';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from './quantity.ts';
import { validateLabelSelector } from './selector.ts';

/** Validates a claim spec at `path` (a PVC's `spec`, or a StatefulSet claim template's). */
export function validatePersistentVolumeClaimSpec(spec: any, path: string): FieldError[] {
  const s = spec ?? {};
  const errs = validateAccessModes(s.accessModes, `${path}.accessModes`, 'at least 1 access mode is required');
  errs.push(...validateLabelSelector(s.selector, `${path}.selector`));
  const storage = s.resources?.requests?.storage;
  if (storage === undefined) {
    errs.push(fieldError.required(`${path}.resources[storage]`, ''));
  } else {
    const q = parseQuantity(storage);
    if (q === undefined) errs.push(fieldError.invalid(`${path}.resources.requests[storage]`, storage, QUANTITY_FORMAT_ERROR));
    else if (q <= 0) errs.push(fieldError.invalid(`${path}.resources.requests[storage]`, storage, 'must be greater than zero'));
  }
  if (s.storageClassName) for (const m of isDNS1123Subdomain(s.storageClassName)) errs.push(fieldError.invalid(`${path}.storageClassName`, s.storageClassName, m));
  errs.push(...oneOf(s.volumeMode, VOLUME_MODES, `${path}.volumeMode`));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: any): FieldError[] {
  return [...validateObjectMeta(pvc.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validatePersistentVolumeClaimSpec(pvc.spec, 'spec')];
}

export function validatePersistentVolumeClaimUpdate(pvc: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pvc.metadata, old.metadata), ...validatePersistentVolumeClaimSpec(pvc.spec, 'spec')];
  const next = structuredClone(record(pvc.spec));
  const prev = structuredClone(record(old.spec));
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  const newSize = next.resources?.requests?.storage;
  const oldSize = prev.resources?.requests?.storage;
  // Only a bound claim may be resized.
  if (pvc.status?.phase === 'Bound' && next.resources?.requests) record(next.resources.requests).storage = oldSize;
  if (!semanticEqual(next, prev)) {
    errs.push(fieldError.forbidden('spec', `spec is immutable after creation except resources.requests for bound claims\n${describeChanges(prev, next, 'spec')}`));
  }
  const n = parseQuantity(newSize);
  const o = parseQuantity(oldSize);
  if (n !== undefined && o !== undefined && n < o) errs.push(fieldError.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  return errs;
}
