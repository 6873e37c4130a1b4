/**
 * The one schema source of Skiff: every API type's fields, their types and their list/merge
 * semantics, under upstream's OpenAPI names. OpenAPI publishing, strict decoding (unknown
 * fields) and strategic merge patch all read it; it is generated from @kubernetes/client-node's
 * models by scripts/gen-schema.ts, with the merge facts of merge-keys.ts laid over it.
 */
export { typeByName, typeForKind, allTypes, fieldSchema } from './loader.ts';
export { findUnknownFields } from './unknown-fields.ts';
export type { FieldSchema, FieldType, TypeSchema } from './types.ts';
