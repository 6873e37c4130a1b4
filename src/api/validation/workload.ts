/**
 * Rules shared by the kinds that own pods through a template (ReplicationController,
 * ReplicaSet, Deployment, DaemonSet, StatefulSet, Job): the selector must be valid, non-empty
 * and select the template; int-or-percent fields; replica counts in status.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { nonNegative } from './fields.ts';
import { isValidPercent } from './names.ts';
import { isEmptySelector, selectorMatches, validateLabelSelector, type LabelSelector } from './selector.ts';

export const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

/**
 * An apps/v1-style spec.selector: required, well formed, not empty (`empty selector is invalid
 * for <what>`), and matching spec.template's labels.
 */
export function validateSelectorForTemplate(spec: { selector?: LabelSelector; template?: any }, what: string): FieldError[] {
  const { selector: sel, template } = spec;
  const path = 'spec';
  const errs: FieldError[] = [];
  if (!sel) {
    errs.push(fieldError.required(`${path}.selector`, ''));
    return errs;
  }
  errs.push(...validateLabelSelector(sel, `${path}.selector`));
  if (isEmptySelector(sel)) {
    errs.push(fieldError.invalid(`${path}.selector`, sel, `empty selector is invalid for ${what}`));
    return errs;
  }
  const labels = template?.metadata?.labels;
  if (!selectorMatches(sel, labels)) errs.push(fieldError.invalid(`${path}.template.metadata.labels`, labels ?? null, SELECTOR_MISMATCH));
  return errs;
}

/** Pods owned by a long-running controller must always restart and may not have a deadline. */
export function validateAlwaysRestart(template: any, owner: string): FieldError[] {
  const path = 'spec.template';
  const errs: FieldError[] = [];
  const spec = template?.spec ?? {};
  if (spec.restartPolicy !== 'Always') errs.push(fieldError.notSupported(`${path}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(fieldError.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${owner} is not Supported`));
  }
  return errs;
}

/** A number ≥ 0 or a percentage string such as "25%". */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return isValidPercent(v).map((m) => fieldError.invalid(path, v, m));
  if (typeof v === 'number') return nonNegative(v, path);
  return [fieldError.invalid(path, v, "must be an integer or percentage (e.g '5%')")];
}

function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length) return undefined;
  return Number(v.slice(0, -1));
}

/** The number an int-or-percent stands for, 0 when unparseable (as upstream counts it). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  const n = Number.parseInt(String(v ?? ''), 10);
  return Number.isNaN(n) ? 0 : n;
}

export function notMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [fieldError.invalid(path, v, 'must not be greater than 100%')] : [];
}

/**
 * Status replica counts: each ≥ 0, none above status.replicas, and available ≤ ready
 * (only for the fields the kind has).
 */
export function validateReplicaStatus(status: any, fields: string[]): FieldError[] {
  const s = status ?? {};
  const errs: FieldError[] = [];
  for (const f of [...fields, 'observedGeneration', 'collisionCount']) errs.push(...nonNegative(s[f], `status.${f}`));
  const replicas = s.replicas ?? 0;
  for (const f of fields) {
    if (f !== 'replicas' && f !== 'unavailableReplicas' && f !== 'fullyLabeledReplicas' && (s[f] ?? 0) > replicas) {
      errs.push(fieldError.invalid(`status.${f}`, s[f], 'cannot be greater than status.replicas'));
    }
  }
  if (fields.includes('readyReplicas') && fields.includes('availableReplicas') && (s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(fieldError.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}

