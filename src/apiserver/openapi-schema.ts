/**
 * A type of the schema source (src/api/schema) as an OpenAPI schema object, with the
 * descriptions of openapi-descriptions.ts (what `kubectl explain` prints). Swagger 2.0 and
 * OpenAPI 3.0 write object types, fields and kubectl's `x-kubernetes-*` facts the same way; they
 * differ only in where a named type lives (`#/definitions/` or `#/components/schemas/`) and in how
 * free-form JSON is spelled, which each renderer supplies as a {@link SchemaStyle}.
 */
import type { FieldSchema, FieldType, TypeSchema } from '../api/schema/index.ts';
import { describeField, describeType } from './openapi-descriptions.ts';
import type { GroupVersionKind } from './openapi-operations.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** Named types for the wire's special scalars, which the schema source models as field kinds. */
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = `${META}.Time`;

/** `x-kubernetes-*` properties. */
export type VendorExtensions = { [name: `x-${string}`]: unknown };

/** The part of a schema object that Skiff writes, in either OpenAPI version. */
export type Schema = VendorExtensions & {
  /** A schema with a $ref carries nothing else but a description. */
  $ref?: string;
  /** OpenAPI 3: a described reference, `allOf: [{ $ref }]` beside the field's description. */
  allOf?: Schema[];
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: string[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  required?: string[];
};

export interface SchemaStyle {
  /** A reference to the named type; called for every type a schema reaches, so a renderer can collect them. */
  ref(name: string): Schema;
  /** A field of any JSON content. */
  any(): Schema;
  /**
   * Whether a field that is a reference wraps it as `allOf: [{ $ref }]` so that its own
   * description counts (OpenAPI 3 ignores a $ref's siblings; kubectl explain reads the wrapper).
   */
  wrapDescribedRefs?: boolean;
}

function fieldTypeSchema(t: FieldType, style: SchemaStyle): Schema {
  switch (t.kind) {
    case 'string':
      return { type: 'string', ...(t.format && { format: t.format }), ...(t.enum && { enum: t.enum }) };
    case 'integer':
      return { type: 'integer', ...(t.format && { format: t.format }) };
    case 'number':
      return { type: 'number', ...(t.format && { format: t.format }) };
    case 'boolean':
      return { type: 'boolean' };
    case 'quantity':
      return style.ref(QUANTITY);
    case 'int-or-string':
      return style.ref(INT_OR_STRING);
    case 'time':
      return style.ref(TIME);
    case 'any':
      return style.any();
    case 'ref':
      return style.ref(t.ref);
    case 'array':
      return { type: 'array', items: fieldTypeSchema(t.items, style) };
    case 'map':
      return { type: 'object', additionalProperties: fieldTypeSchema(t.values, style) };
  }
}

function fieldSchema(f: FieldSchema, description: string, style: SchemaStyle): Schema {
  let out = fieldTypeSchema(f.type, style);
  if (out.$ref && style.wrapDescribedRefs) out = { allOf: [out] };
  out.description = description;
  if (f.listType) out['x-kubernetes-list-type'] = f.listType;
  if (f.listMapKeys) out['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.patchMergeKey) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return out;
}

/**
 * The schema of a named type: its fields, which are required, and the group-version-kinds it
 * is found by (kubectl looks a kind's schema up by its `x-kubernetes-group-version-kind`).
 */
export function typeSchema(t: TypeSchema, gvks: GroupVersionKind[], style: SchemaStyle): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(t.fields)) {
    properties[name] = fieldSchema(f, describeField(t, name, f), style);
    if (f.required) required.push(name);
  }
  const out: Schema = { type: 'object' };
  const description = describeType(t);
  if (description) out.description = description;
  out.properties = properties;
  if (required.length) out.required = required;
  if (gvks.length) out['x-kubernetes-group-version-kind'] = gvks;
  return out;
}
