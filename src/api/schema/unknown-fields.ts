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

function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function walkType(type: TypeSchema, value: unknown, path: string, out: string[]): void {
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const field = ownField(type, key);
    if (!field) {
      if (path === '' && (key === 'apiVersion' || key === 'kind')) continue;
      out.push(join(path, key));
      continue;
    }
    walkField(field.type, child, join(path, key), out);
  }
}

function walkField(type: FieldType, value: unknown, path: string, out: string[]): void {
  switch (type.kind) {
    case 'ref': {
      const target = typeByName(type.ref);
      if (target) walkType(target, value, path, out);
      return;
    }
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => walkField(type.items, item, `${path}[${i}]`, out));
      return;
    case 'map':
      if (isObject(value)) for (const [key, item] of Object.entries(value)) walkField(type.values, item, `${path}.${key}`, out);
      return;
    default:
      return;
  }
}

/** Paths of the fields in `obj` that `type` does not define, in document order. */
export function findUnknownFields(type: TypeSchema, obj: unknown): string[] {
  const out: string[] = [];
  walkType(type, obj, '', out);
  return out;
}
