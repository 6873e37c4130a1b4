/**
 * One validation failure on one field, as upstream's field.Error: the reason
 * (`FieldValueRequired`, ...), the field path (`spec.containers[0].name`), the bad value and
 * a detail. Validation returns a list of these; the API server turns them into a 422 Invalid
 * Status whose causes list every one.
 */

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

export interface FieldError {
  type: FieldErrorType;
  /** Path in upstream's notation: `metadata.name`, `spec.containers[0].ports[1].containerPort`, `metadata.labels[app]`. */
  field: string;
  /** The offending value (omitted for Required and Forbidden). */
  value?: unknown;
  /** Why, in upstream's words (e.g. the DNS-1123 explanation), or the supported values. */
  detail?: string;
  /** For FieldValueNotSupported: the allowed values. */
  supported?: string[];
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

/** Renders a bad value as upstream's Go code prints it (%q for strings, %#v for slices). */
function quoteValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  return JSON.stringify(v);
}

/**
 * Upstream's rendering: `spec.x: Invalid value: "v": detail`, `spec.x: Required value`,
 * `spec.x: Unsupported value: "v": supported values: "a", "b"`.
 */
export function formatFieldError(e: FieldError, opts: { withField?: boolean } = {}): string {
  const withField = opts.withField ?? true;
  let s = TYPE_TEXT[e.type];
  const showValue = e.type !== 'FieldValueRequired' && e.type !== 'FieldValueForbidden' && e.type !== 'InternalError' && e.type !== 'FieldValueTooMany' && e.value !== undefined;
  if (showValue) s += `: ${quoteValue(e.value)}`;
  if (e.type === 'FieldValueNotSupported' && e.supported?.length) {
    s += `: supported values: ${e.supported.map((x) => JSON.stringify(x)).join(', ')}`;
  } else if (e.detail) {
    s += `: ${e.detail}`;
  }
  return withField ? `${e.field}: ${s}` : s;
}

/** Shorthands, so validators read like upstream's. */
export const fieldError = {
  required: (field: string, detail?: string): FieldError => ({ type: 'FieldValueRequired', field, detail }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail }),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({ type: 'FieldValueNotSupported', field, value, supported }),
  duplicate: (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({ type: 'FieldValueTooLong', field, value, detail: `must have at most ${max} bytes` }),
};
