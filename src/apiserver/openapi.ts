/**
 * OpenAPI v3, as upstream publishes it: an index at /openapi/v3 naming one document per
 * group-version ("api/v1", "apis/apps/v1"), each with the schemas of that group-version's kinds
 * and the paths of its resources.
 *
 * Two kubectl features read it. `--validate=strict` (the default of apply, create -f, replace,
 * edit) looks for the PATCH operation carrying the kind's `x-kubernetes-group-version-kind` and
 * checks that it takes a `fieldValidation` query parameter (operation- or path-level, by name,
 * so parameters are written inline, never as $ref); then it leaves validation to the server.
 * `kubectl apply` and `kubectl explain` find a kind's schema in `components.schemas` by its
 * `x-kubernetes-group-version-kind` list and follow `$ref`s, reading the
 * `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` of each field.
 *
 * Schemas come from the schema source (src/api/schema), paths and operations from
 * openapi-operations.ts (shared with the v2 document); documents are built once per resource
 * list and kept, and each is named in the index by the hash of its content.
 */
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../api/resource.ts';
import { typeByName } from '../api/schema/index.ts';
import {
  DELETE_OPTIONS,
  groupVersionPath,
  PATCH,
  RESPONSE_DESCRIPTIONS,
  resourcePaths,
  STATUS,
  type ApiOperation,
  type ApiParameter,
  type BodyType,
  type GroupVersionKind,
  type SuccessCode,
} from './openapi-operations.ts';
import { INT_OR_STRING, QUANTITY, TIME, typeSchema, type Schema, type SchemaStyle } from './openapi-schema.ts';

/** Named schemas of the wire's special scalars, which the schema source models as field kinds. */
const SCALAR_SCHEMAS: Record<string, object> = {
  [QUANTITY]: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  [INT_OR_STRING]: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  [TIME]: { type: 'string', format: 'date-time' },
  [PATCH]: { type: 'object' },
};

type Json = Record<string, unknown>;

interface BuiltDocument {
  document: Json;
  /** The document as served, and the hash of exactly those bytes. */
  body: string;
  hash: string;
}

const cache = new WeakMap<readonly ResourceInfo[], Map<string, BuiltDocument>>();

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/** JSON of any content, which structural validation must leave alone. */
const freeForm = (): Schema => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });

function parameter(p: ApiParameter): Json {
  const schema = { type: p.type, uniqueItems: true };
  return p.in === 'path' ? { name: p.name, in: p.in, required: true, schema } : { name: p.name, in: p.in, schema };
}

const BODY_CONTENT_TYPES = ['application/json', 'application/yaml'];

function content(types: readonly string[], schema: Json): Json {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

/** A body's schema, by reference, or a free-form object for a kind the schema does not know. */
function bodySchema(type: BodyType): Schema {
  return type ? ref(type) : freeForm();
}

function responses(codes: readonly SuccessCode[], schema: Json): Json {
  const out: Json = {};
  for (const code of codes) out[code] = { description: RESPONSE_DESCRIPTIONS[code], content: content(BODY_CONTENT_TYPES, schema) };
  out['401'] = { description: RESPONSE_DESCRIPTIONS['401'] };
  return out;
}

function operation(o: ApiOperation, tag: string): Json {
  const op: Json = { tags: [tag], operationId: o.operationId, parameters: o.parameters.map(parameter) };
  if (o.request) {
    op.requestBody = { content: content(o.request.mediaTypes ?? BODY_CONTENT_TYPES, bodySchema(o.request.type)), ...(o.request.required && { required: true }) };
  }
  op.responses = responses(o.codes, bodySchema(o.responseType));
  op['x-kubernetes-action'] = o.action;
  op['x-kubernetes-group-version-kind'] = o.gvk;
  return op;
}

/** Path items of one resource; adds the types its bodies name to `roots`. */
function pathItems(r: ResourceInfo, roots: Set<string>): Record<string, Json> {
  const items: Record<string, Json> = {};
  for (const { path, tag, parameters, operations } of resourcePaths(r)) {
    const item: Json = {};
    for (const o of operations) {
      item[o.method] = operation(o, tag);
      for (const type of [o.request?.type, o.responseType]) if (type) roots.add(type);
    }
    item.parameters = parameters.map(parameter);
    items[path] = item;
  }
  return items;
}

/** components.schemas: the roots and every type they reach. */
function componentSchemas(roots: Set<string>, groupVersion: { group: string; version: string }): Json {
  const schemas: Json = {};
  const queue = [...roots];
  const seen = new Set<string>(queue);
  const style: SchemaStyle = {
    ref(name) {
      if (!seen.has(name)) {
        seen.add(name);
        queue.push(name);
      }
      return ref(name);
    },
    any: freeForm,
    wrapDescribedRefs: true,
  };
  while (queue.length) {
    const name = queue.shift()!;
    if (SCALAR_SCHEMAS[name]) {
      schemas[name] = SCALAR_SCHEMAS[name];
      continue;
    }
    const type = typeByName(name);
    if (!type) throw new Error(`openapi: the schema has no type ${name}`);
    const gvks: GroupVersionKind[] = [];
    if (type.gvk) gvks.push(type.gvk);
    // Upstream lists DeleteOptions under every group-version that accepts it.
    if (name === DELETE_OPTIONS && groupVersion.group !== '') gvks.push({ group: groupVersion.group, version: groupVersion.version, kind: 'DeleteOptions' });
    schemas[name] = typeSchema(type, gvks, style);
  }
  return Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
}

function buildAll(resources: readonly ResourceInfo[]): Map<string, BuiltDocument> {
  const byGroupVersion = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const key = groupVersionPath(r);
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), r]);
  }
  const built = new Map<string, BuiltDocument>();
  for (const [key, rs] of byGroupVersion) {
    // Every group-version's document carries the meta types of its bodies, whichever verbs it serves.
    const roots = new Set<string>([STATUS, DELETE_OPTIONS, PATCH]);
    const paths: Record<string, Json> = {};
    for (const r of rs) Object.assign(paths, pathItems(r, roots));
    const document: Json = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths,
      components: {
        schemas: componentSchemas(roots, rs[0]),
        securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer token authentication', name: 'authorization', in: 'header' } },
      },
      security: [{ BearerToken: [] }],
    };
    const body = JSON.stringify(document);
    const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
    built.set(key, { document, body, hash });
  }
  return built;
}

function documents(resources: readonly ResourceInfo[]): Map<string, BuiltDocument> {
  let built = cache.get(resources);
  if (!built) {
    built = buildAll(resources);
    cache.set(resources, built);
  }
  return built;
}

/** The /openapi/v3 index: `{ paths: { "api/v1": { serverRelativeURL: "/openapi/v3/api/v1?hash=…" }, … } }`. */
export function openApiV3Discovery(resources: readonly ResourceInfo[]): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, doc] of documents(resources)) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  return { paths };
}

/** The OpenAPI 3.0 document of one group-version ("api/v1", "apis/apps/v1"), or undefined if none is served. */
export function openApiV3Document(resources: readonly ResourceInfo[], groupVersion: string): object | undefined {
  return documents(resources).get(groupVersion)?.document;
}

/** The same document serialized, with its hash (for an ETag): serving it costs no re-serialization. */
export function openApiV3DocumentBody(resources: readonly ResourceInfo[], groupVersion: string): { body: string; hash: string } | undefined {
  const doc = documents(resources).get(groupVersion);
  return doc && { body: doc.body, hash: doc.hash };
}
