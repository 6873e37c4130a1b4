/**
 * ResourceQuotas: hard limits are non-negative quantities of named resources; scopes are
 * from upstream's list.
 */
import { type FieldError } from '../field-error.ts';
import { list, requiredOneOf } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validateResourceList } from './resources.ts';

const SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

function validateQuotaSpec(rq: any): FieldError[] {
  const errs = validateResourceList(rq.spec?.hard, 'spec.hard');
  list(rq.spec?.scopes).forEach((s: unknown, i: number) => errs.push(...requiredOneOf(s, SCOPES, `spec.scopes[${i}]`)));
  list(rq.spec?.scopeSelector?.matchExpressions).forEach((e: any, i: number) => {
    const p = `spec.scopeSelector.matchExpressions[${i}]`;
    errs.push(...requiredOneOf(e?.scopeName, SCOPES, `${p}.scopeName`));
    errs.push(...requiredOneOf(e?.operator, ['DoesNotExist', 'Exists', 'In', 'NotIn'], `${p}.operator`));
  });
  return errs;
}

export function validateResourceQuota(rq: any): FieldError[] {
  return [...validateObjectMeta(rq.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateQuotaSpec(rq)];
}

export function validateResourceQuotaUpdate(rq: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(rq.metadata, old.metadata), ...validateQuotaSpec(rq)];
}

export function validateResourceQuotaStatusUpdate(rq: any, old: any): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rq.metadata, old.metadata),
    ...validateResourceList(rq.status?.hard, 'status.hard'),
    ...validateResourceList(rq.status?.used, 'status.used'),
  ];
}
