/**
 * PriorityClasses (scheduling.k8s.io/v1): names starting "system-" are reserved for the two
 * built-in classes, user values stop at one billion, and value and preemption policy are
 * fixed once created.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, oneOf } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
/** The classes the system defines, with their fixed values. */
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

function validateClass(pc: any): FieldError[] {
  const errs: FieldError[] = [];
  const name = String(pc.metadata?.name ?? '');
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES[name];
    let why: string | undefined;
    if (known === undefined) why = `name ${name} is not a known system priority class`;
    else if (pc.value !== known) why = `value of ${name} PriorityClass must be ${known}`;
    if (why) errs.push(fieldError.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${why}`));
  } else if (typeof pc.value === 'number' && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(fieldError.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  errs.push(...oneOf(pc.preemptionPolicy, ['Never', 'PreemptLowerPriority'], 'preemptionPolicy'));
  return errs;
}

export function validatePriorityClass(pc: any): FieldError[] {
  return [...validateObjectMeta(pc.metadata, { namespaced: false, name: nameIsDNSSubdomain }), ...validateClass(pc)];
}

export function validatePriorityClassUpdate(pc: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(pc.metadata, old.metadata);
  if (pc.value !== old.value) errs.push(fieldError.forbidden('value', 'may not be changed in an update.'));
  errs.push(...immutable(pc.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}
