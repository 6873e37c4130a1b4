/**
 * Helpers for filling in unset fields. Upstream decides a field is "unset" in two ways: a
 * pointer or string that is nil/empty ({@link setDefault}), or a plain Go number that is still
 * 0 ({@link setDefaultIfZero}, e.g. a probe's timeoutSeconds). A value of the wrong JSON type
 * is never replaced or written into: defaulting leaves it for the decoder or validation to reject.
 */

export function isObject(x: unknown): x is Record<string, any> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** The object elements of a list; anything else yields nothing to default. */
export function items(x: unknown): Record<string, any>[] {
  return Array.isArray(x) ? x.filter(isObject) : [];
}

function unset(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Sets obj[key] when it is absent, null or the empty string. */
export function setDefault(obj: unknown, key: string, value: unknown): void {
  if (isObject(obj) && (unset(obj[key]) || obj[key] === '')) obj[key] = value;
}

/** Sets obj[key] when it is absent, null or 0. */
export function setDefaultIfZero(obj: unknown, key: string, value: unknown): void {
  if (isObject(obj) && (unset(obj[key]) || obj[key] === 0)) obj[key] = value;
}

/**
 * The object at obj[key], created empty when absent, so nested defaults have a home. When
 * obj[key] holds something other than an object, a detached object is returned and the bad
 * value stays as it was.
 */
export function child(obj: unknown, key: string): Record<string, any> {
  if (!isObject(obj)) return {};
  if (unset(obj[key])) obj[key] = {};
  return isObject(obj[key]) ? obj[key] : {};
}
