/**
 * Small checks shared by every kind's validator: non-negative numbers, immutable fields,
 * enums, and the "semantic" equality upstream uses to decide whether a field changed.
 */
import { fieldError, type FieldError } from '../field-error.ts';

export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const FIELD_IMMUTABLE = 'field is immutable';

/** `x: Invalid value: -1: must be greater than or equal to 0` when a number is set and negative. */
export function nonNegative(value: unknown, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [fieldError.invalid(path, value, IS_NEGATIVE)] : [];
}

/** Upstream's ValidateImmutableField: the new value must equal the old one. */
export function immutable(next: unknown, old: unknown, path: string): FieldError[] {
  return semanticEqual(next, old) ? [] : [fieldError.invalid(path, next ?? null, FIELD_IMMUTABLE)];
}

/** An optional enum field: empty is fine, anything else must be one of `supported`. */
export function oneOf(value: unknown, supported: string[], path: string): FieldError[] {
  if (value === undefined || value === null || value === '') return [];
  return supported.includes(value as string) ? [] : [fieldError.notSupported(path, value, supported)];
}

/** A required enum field: empty is a Required error. */
export function requiredOneOf(value: unknown, supported: string[], path: string): FieldError[] {
  if (value === undefined || value === null || value === '') return [fieldError.required(path, '')];
  return oneOf(value, supported, path);
}

/** Too long, without echoing the (possibly huge) value, as upstream prints it. */
export function tooLong(path: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field: path, detail: `must have at most ${max} bytes` };
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/**
 * Deep equality as upstream's apiequality.Semantic: an absent field, null, an empty list and
 * an empty map are all the same "unset" (Go cannot tell them apart once decoded).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) {
      if (!semanticEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    }
    return true;
  }
  return false;
}

/** The list at a field, or an empty one when the field holds no list (wrong types are the decoder's to report). */
export function list(x: unknown): any[] {
  return Array.isArray(x) ? x : [];
}

/** The object at a field, or an empty one when the field holds no object. */
export function record(x: unknown): Record<string, any> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, any>) : {};
}

/**
 * The leaf fields where `after` differs from `before`, one per line, for the forbidden-update
 * messages that (as upstream's do) show what the user tried to change.
 */
export function describeChanges(before: unknown, after: unknown, path: string): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, at: string) => {
    if (semanticEqual(a, b)) return;
    const isObj = (x: unknown) => x !== null && typeof x === 'object';
    if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
      for (const k of new Set([...Object.keys(a as object), ...Object.keys(b as object)])) {
        walk((a as any)[k], (b as any)[k], Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`);
      }
      return;
    }
    lines.push(`  ${at}: ${JSON.stringify(a ?? null)} -> ${JSON.stringify(b ?? null)}`);
  };
  walk(before, after, path);
  return lines.join('\n');
}
