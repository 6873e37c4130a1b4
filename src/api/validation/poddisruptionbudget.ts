/**
 * PodDisruptionBudgets (policy/v1): minAvailable or maxUnavailable (not both), each a count
 * or a percentage up to 100%, a valid selector and eviction policy.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { nonNegative, oneOf } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validateLabelSelector } from './selector.ts';
import { notMoreThan100Percent, validatePositiveIntOrPercent } from './workload.ts';

function validatePDBSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  const set = (v: unknown) => v !== undefined && v !== null;
  if (set(s.minAvailable) && set(s.maxUnavailable)) errs.push(fieldError.invalid('spec', s, 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable']) {
    errs.push(...validatePositiveIntOrPercent(s[f], `spec.${f}`));
    errs.push(...notMoreThan100Percent(s[f], `spec.${f}`));
  }
  errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  errs.push(...oneOf(s.unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget'], 'spec.unhealthyPodEvictionPolicy'));
  return errs;
}

export function validatePodDisruptionBudget(pdb: any): FieldError[] {
  return [...validateObjectMeta(pdb.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validatePDBSpec(pdb.spec)];
}

export function validatePodDisruptionBudgetUpdate(pdb: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validatePDBSpec(pdb.spec)];
}

export function validatePodDisruptionBudgetStatusUpdate(pdb: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(pdb.metadata, old.metadata);
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods', 'observedGeneration']) {
    errs.push(...nonNegative(pdb.status?.[f], `status.${f}`));
  }
  return errs;
}
