/**
 * The one schema source of the project: the shape of every API type, as facts of the
 * Kubernetes API (field names, types, list and map semantics, strategic-merge keys).
 * OpenAPI, strict decoding and strategic merge patch all read it.
 */

/** The type of one field. */
export type FieldType =
  | { kind: 'string'; format?: string; enum?: string[] }
  | { kind: 'integer'; format?: 'int32' | 'int64' }
  | { kind: 'number'; format?: string }
  | { kind: 'boolean' }
  /** resource.Quantity, intstr.IntOrString, metav1.Time and similar: a string (or number) on the wire. */
  | { kind: 'quantity' }
  | { kind: 'int-or-string' }
  | { kind: 'time' }
  /** Free-form JSON (runtime.RawExtension, apiextensions JSON, fieldsV1). */
  | { kind: 'any' }
  /** A named object type, see {@link TypeSchema}. */
  | { kind: 'ref'; ref: string }
  | { kind: 'array'; items: FieldType }
  /** map[string]T */
  | { kind: 'map'; values: FieldType };

export interface FieldSchema {
  type: FieldType;
  description?: string;
  required?: boolean;
  /** Strategic merge patch: `merge` (lists merged by key, or primitive lists as sets), `retainKeys`, or `merge,retainKeys`. */
  patchStrategy?: string;
  /** Strategic merge patch: the key identifying list items, e.g. "name" for containers. */
  patchMergeKey?: string;
  /** Server-side apply list semantics: atomic, set, map. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

export interface TypeSchema {
  /** Stable name, e.g. "io.k8s.api.core.v1.Container". */
  name: string;
  description?: string;
  fields: Record<string, FieldSchema>;
  /** For top-level kinds: their group, version, kind. */
  gvk?: { group: string; version: string; kind: string };
}
