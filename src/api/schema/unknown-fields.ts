/**
 * Strict decoding's unknown-field check: the fields of a decoded body that its type does not
 * define, as upstream names them in `strict decoding error: unknown field "…"` — dotted from the
 * top, list items by index, map entries by key: `spec.replica`,
 * `spec.template.spec.containers[0].imagee`, `metadata.labelz`.
 *
 * Values of the wrong type are not this check's business (decoding rejects them); maps
 * (labels, data) take any key, and free-form fields (`any`) are not looked into.
 */
import { ownField, typeByName } from './loader.ts';
import type { FieldType, TypeSchema } from './types.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The walk keeps the path as a stack of field names and list indexes, joined only when an
 * unknown field is found: every write's body is checked, and building each value's path string
 * (and Object.entries arrays) made this one of the API server's larger allocators.
 */
type PathStack = Array<string | number>;

function pathText(stack: PathStack, last: string): string {
  let out = '';
  for (const seg of stack) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? last : `${out}.${last}`;
}

function walkType(type: TypeSchema, value: unknown, path: PathStack, out: string[]): void {
  if (!isObject(value)) return;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const field = ownField(type, key);
    if (!field) {
      if (path.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
      out.push(pathText(path, key));
      continue;
    }
    path.push(key);
    walkField(field.type, value[key], path, out);
    path.pop();
  }
}

function walkField(type: FieldType, value: unknown, path: PathStack, out: string[]): void {
  switch (type.kind) {
    case 'ref': {
      const target = typeByName(type.ref);
      if (target) walkType(target, value, path, out);
      return;
    }
    case 'array':
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          walkField(type.items, value[i], path, out);
          path.pop();
        }
      }
      return;
    case 'map':
      if (isObject(value)) {
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue;
          path.push(key);
          walkField(type.values, value[key], path, out);
          path.pop();
        }
      }
      return;
    default:
      return;
  }
}

/** Paths of the fields in `obj` that `type` does not define, in document order. */
export function findUnknownFields(type: TypeSchema, obj: unknown): string[] {
  const out: string[] = [];
  walkType(type, obj, [], out);
  return out;
}
