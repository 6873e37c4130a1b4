/**
 * Decoding's type check: upstream decodes a body into Go structs, so a value of the wrong JSON
 * type (a bool where a string belongs, a string where an int32 belongs) is refused before
 * anything else looks at the object. This reproduces that refusal and its message, e.g.
 * `json: cannot unmarshal bool into Go struct field LabelSelectorRequirement.spec.selector.matchExpressions.values of type string`:
 * the innermost struct, the JSON path of the field without indices or map keys, and the Go type.
 *
 * `null` is accepted everywhere (Go leaves the field at its zero value); unknown fields are the
 * strict-decoding check's business and free-form fields (`any`) take anything.
 */
import type { FieldType, TypeSchema } from './types.ts';

/** Resolves a schema type name, e.g. typeByName of the schema index. */
export type TypeLookup = (name: string) => TypeSchema | undefined;

/**
 * Where a value sits, in the terms of Go's error: the struct holding its field, and the field
 * path as a chain of keys — joined only when an error is reported, since every field of every
 * request body is checked and almost none is wrong.
 */
interface Context {
  struct: string;
  key: string;
  parent: Context | undefined;
}

function pathOf(at: Context): string {
  let path = at.key;
  for (let c = at.parent; c; c = c.parent) path = `${c.key}.${path}`;
  return path;
}

/**
 * Go keeps decoding after a plain type mismatch and reports the first one at the end, but a
 * custom unmarshaller's error (Quantity, IntOrString, Time) aborts decoding and wins.
 */
interface Walk {
  lookup: TypeLookup;
  firstMismatch?: string;
}

const INT_RANGES: Record<'int32' | 'int64', [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63 - 1],
};

/** The same error ParseQuantity gives for anything that is not a quantity. */
const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What Go calls a JSON value in its error: bool, number, string, array or object. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** "io.k8s.api.core.v1.PodSpec" → "v1.PodSpec": Go's package name is the segment before the type. */
function goStructType(name: string): string {
  return name.split('.').slice(-2).join('.');
}

function goStructName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The Go type upstream declares for a field of this type, as Go's reflect prints it. */
function goType(type: FieldType): string {
  switch (type.kind) {
    case 'string':
      return type.format === 'byte' ? '[]uint8' : 'string';
    case 'integer':
      return type.format ?? 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'quantity':
      return 'resource.Quantity';
    case 'int-or-string':
      return 'intstr.IntOrString';
    case 'time':
      return 'v1.Time';
    case 'any':
      return 'interface {}';
    case 'ref':
      return goStructType(type.ref);
    case 'array':
      return `[]${goType(type.items)}`;
    case 'map':
      // Every map of quantities in the API is core/v1's named ResourceList.
      return type.values.kind === 'quantity' ? 'v1.ResourceList' : `map[string]${goType(type.values)}`;
  }
}

function mismatch(valueKind: string, type: string, at: Context): string {
  return `json: cannot unmarshal ${valueKind} into Go struct field ${at.struct}.${pathOf(at)} of type ${type}`;
}

/** Records a plain mismatch (the first one wins, as in Go); decoding goes on. */
function recordMismatch(walk: Walk, valueKind: string, type: FieldType, at: Context): undefined {
  walk.firstMismatch ??= mismatch(valueKind, goType(type), at);
  return undefined;
}

/** A number Go's integer decoding accepts, or the "number 1.5" form it reports otherwise. */
function integerProblem(value: number, format: 'int32' | 'int64'): string | undefined {
  const [min, max] = INT_RANGES[format];
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `number ${String(value)}`;
}

/** Checks one value; returns an aborting error, records a plain mismatch in `walk`. */
function checkValue(type: FieldType, value: unknown, at: Context, walk: Walk): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (type.kind) {
    case 'any':
      return undefined;
    case 'string':
    case 'boolean':
      return typeof value === (type.kind === 'string' ? 'string' : 'boolean') ? undefined : recordMismatch(walk, jsonKind(value), type, at);
    case 'number':
      return typeof value === 'number' ? undefined : recordMismatch(walk, jsonKind(value), type, at);
    case 'integer': {
      if (typeof value !== 'number') return recordMismatch(walk, jsonKind(value), type, at);
      const problem = integerProblem(value, type.format ?? 'int64');
      return problem ? recordMismatch(walk, problem, type, at) : undefined;
    }
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number' ? undefined : QUANTITY_FORMAT_ERROR;
    case 'int-or-string': {
      // IntOrString decodes anything but a string as an int32, with the field's context.
      if (typeof value === 'string') return undefined;
      if (typeof value !== 'number') return mismatch(jsonKind(value), 'int32', at);
      const problem = integerProblem(value, 'int32');
      return problem ? mismatch(problem, 'int32', at) : undefined;
    }
    case 'time':
      // metav1.Time decodes its value as a string first, with the field's context.
      return typeof value === 'string' ? undefined : mismatch(jsonKind(value), 'string', at);
    case 'array':
      if (!Array.isArray(value)) return recordMismatch(walk, jsonKind(value), type, at);
      for (const item of value) {
        const fatal = checkValue(type.items, item, at, walk);
        if (fatal) return fatal;
      }
      return undefined;
    case 'map':
      if (!isObject(value)) return recordMismatch(walk, jsonKind(value), type, at);
      for (const item of Object.values(value)) {
        const fatal = checkValue(type.values, item, at, walk);
        if (fatal) return fatal;
      }
      return undefined;
    case 'ref': {
      const target = walk.lookup(type.ref);
      if (!target) return undefined;
      if (!isObject(value)) return recordMismatch(walk, jsonKind(value), type, at);
      return checkStruct(target, goStructName(target.name), value, at, walk);
    }
  }
}

function checkStruct(type: TypeSchema, struct: string, obj: Record<string, unknown>, parent: Context | undefined, walk: Walk): string | undefined {
  for (const key in obj) {
    if (!Object.hasOwn(type.fields, key)) continue;
    const fatal = checkValue(type.fields[key].type, obj[key], { struct, key, parent }, walk);
    if (fatal) return fatal;
  }
  return undefined;
}

/**
 * The error upstream's decoding gives for the first value of `obj` whose JSON type `type`'s
 * Go struct cannot hold, or undefined when every value fits. The top-level struct is named
 * after the kind (`ReplicaSet`), as upstream's struct of that kind is.
 */
export function findTypeErrors(type: TypeSchema, obj: unknown, lookup: TypeLookup): string | undefined {
  if (!isObject(obj)) return undefined;
  const walk: Walk = { lookup };
  const struct = type.gvk?.kind ?? goStructName(type.name);
  return checkStruct(type, struct, obj, undefined, walk) ?? walk.firstMismatch;
}
