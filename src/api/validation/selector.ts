/**
 * metav1.LabelSelector validation (matchLabels and matchExpressions) and matching, used by
 * every controller kind to check that its selector is well formed and selects its template.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list, record } from './fields.ts';
import { validateLabelName, validateLabels } from './metadata.ts';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel) return errs;
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  list(sel.matchExpressions).forEach((r, i) => {
    const req = record(r);
    const p = `${path}.matchExpressions[${i}]`;
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (!req.values?.length) errs.push(fieldError.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (req.values?.length) errs.push(fieldError.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldError.invalid(`${p}.operator`, req.operator, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(req.key, `${p}.key`));
  });
  return errs;
}

export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** Whether the selector selects objects with these labels (an empty selector selects everything). */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const r of list(sel.matchExpressions)) {
    const req = record(r);
    const has = Object.hasOwn(l, req.key);
    const values = list(req.values);
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
