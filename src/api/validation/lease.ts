/** Leases (coordination.k8s.io/v1): a positive duration and a non-negative transition count. */
import { fieldError, type FieldError } from '../field-error.ts';
import { nonNegative } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';

function validateLeaseSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds <= 0) {
    errs.push(fieldError.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
  }
  errs.push(...nonNegative(s.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

export function validateLease(lease: any): FieldError[] {
  return [...validateObjectMeta(lease.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateLeaseSpec(lease.spec)];
}

export function validateLeaseUpdate(lease: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata), ...validateLeaseSpec(lease.spec)];
}
