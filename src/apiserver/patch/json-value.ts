/**
 * Plain JSON values as the patch functions see them: a decoded request body or a stored
 * object. Patches are computed on these, never on typed objects, so the same code serves
 * every kind.
 */

export type JsonObject = { [key: string]: unknown };

/** True for a JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of two JSON values; key order of objects does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A copy of `v` without the null-valued members of its objects, at any depth. A null in a
 * patch means "delete"; where there is nothing to delete it must not end up stored as a
 * null field (upstream drops them the same way).
 */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x !== null) setMember(out, k, withoutNulls(x));
  }
  return out;
}

/**
 * A deep copy of a JSON value (objects, arrays, scalars, as JSON.parse makes them). Several
 * times cheaper than structuredClone, which serializes and deserializes: every write copies a
 * stored object at least once. Anything else it meets (a Date, a Buffer) is structuredClone'd.
 */
export function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: JsonObject = {};
  for (const k of Object.keys(v)) {
    const x = cloneJson((v as JsonObject)[k]);
    if (k === '__proto__') setMember(out, k, x);
    else out[k] = x;
  }
  return out as T;
}

/** The JSON type name upstream's decoder uses in its messages: object, array, string, number, bool, null. */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** `obj[key]` if `obj` has that member of its own (so "__proto__" or "constructor" read as absent). */
export function memberOf(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Sets `obj[key]` as an own data member. Keys come from request bodies; plain assignment
 * would treat "__proto__" as the prototype setter instead of a member.
 */
export function setMember(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A value as upstream's messages print it (Go's %v): `map[name:x]`, `[a b]`. */
export function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return v === null ? '<nil>' : String(v);
}
