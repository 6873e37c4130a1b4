/**
 * LimitRanges: each item has a type and quantities that nest properly:
 * min ≤ defaultRequest ≤ default ≤ max.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list, requiredOneOf } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { parseQuantity } from './quantity.ts';
import { validateResourceList } from './resources.ts';

type Bound = 'min' | 'max' | 'default' | 'defaultRequest';

/** Ordered pairs that must satisfy lower ≤ upper, with upstream's words for each breach. */
const ORDER: [Bound, Bound, string, string][] = [
  ['min', 'max', 'min value', 'max value'],
  ['defaultRequest', 'max', 'default request value', 'max value'],
  ['min', 'defaultRequest', 'min value', 'default request value'],
  ['default', 'max', 'default value', 'max value'],
  ['min', 'default', 'min value', 'default value'],
  ['defaultRequest', 'default', 'default request value', 'default limit value'],
];

function validateLimits(lr: any): FieldError[] {
  const errs: FieldError[] = [];
  list(lr.spec?.limits).forEach((item: any, i: number) => {
    const p = `spec.limits[${i}]`;
    errs.push(...requiredOneOf(item?.type, ['Container', 'PersistentVolumeClaim', 'Pod'], `${p}.type`));
    for (const b of ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) errs.push(...validateResourceList(item?.[b], `${p}.${b}`));
    if (item?.type === 'Pod' && (item.default || item.defaultRequest)) {
      if (item.default) errs.push(fieldError.forbidden(`${p}.default`, 'may not be specified when `type` is \'Pod\''));
      if (item.defaultRequest) errs.push(fieldError.forbidden(`${p}.defaultRequest`, 'may not be specified when `type` is \'Pod\''));
    }
    for (const [lo, hi, loText, hiText] of ORDER) {
      for (const [res, raw] of Object.entries((item?.[lo] ?? {}) as Record<string, string>)) {
        const upper = item?.[hi]?.[res];
        if (upper === undefined) continue;
        const a = parseQuantity(raw);
        const b = parseQuantity(upper);
        if (a !== undefined && b !== undefined && a > b) errs.push(fieldError.invalid(`${p}.${lo}[${res}]`, raw, `${loText} ${raw} is greater than ${hiText} ${upper}`));
      }
    }
  });
  return errs;
}

export function validateLimitRange(lr: any): FieldError[] {
  return [...validateObjectMeta(lr.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateLimits(lr)];
}

export function validateLimitRangeUpdate(lr: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(lr.metadata, old.metadata), ...validateLimits(lr)];
}
