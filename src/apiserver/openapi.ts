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
 * Everything comes from the schema (src/api/schema) and the resource list; documents are built
 * once per resource list and kept, and each is named in the index by the hash of its content.
 */
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../api/resource.ts';
import { typeByName, typeForKind, type FieldSchema, type FieldType, type TypeSchema } from '../api/schema/index.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}.Time`;
const PATCH = `${META}.Patch`;
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;

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

/** "api/v1" for the core group, "apis/<group>/<version>" otherwise: the index's keys and URL tails. */
function groupVersionPath(r: { group: string; version: string }): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

function fieldTypeSchema(t: FieldType, need: (name: string) => void): Json {
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
      need(QUANTITY);
      return ref(QUANTITY);
    case 'int-or-string':
      need(INT_OR_STRING);
      return ref(INT_OR_STRING);
    case 'time':
      need(TIME);
      return ref(TIME);
    case 'any':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'ref':
      need(t.ref);
      return ref(t.ref);
    case 'array':
      return { type: 'array', items: fieldTypeSchema(t.items, need) };
    case 'map':
      return { type: 'object', additionalProperties: fieldTypeSchema(t.values, need) };
  }
}

function fieldSchemaJson(f: FieldSchema, need: (name: string) => void): Json {
  const out = fieldTypeSchema(f.type, need);
  if (f.description) out.description = f.description;
  if (f.listType) out['x-kubernetes-list-type'] = f.listType;
  if (f.listMapKeys) out['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.patchMergeKey) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return out;
}

type Gvk = { group: string; version: string; kind: string };

function typeSchemaJson(t: TypeSchema, gvks: Gvk[], need: (name: string) => void): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(t.fields)) {
    properties[name] = fieldSchemaJson(f, need);
    if (f.required) required.push(name);
  }
  const out: Json = { type: 'object' };
  if (t.description) out.description = t.description;
  out.properties = properties;
  if (required.length) out.required = required;
  if (gvks.length) out['x-kubernetes-group-version-kind'] = gvks;
  return out;
}

// Query parameters, inline (kubectl matches them by name). Types as upstream declares them.
const q = (name: string, type: 'string' | 'integer' | 'boolean'): Json => ({ name, in: 'query', schema: { type, uniqueItems: true } });
const PRETTY = q('pretty', 'string');
const DRY_RUN = q('dryRun', 'string');
const FIELD_MANAGER = q('fieldManager', 'string');
const FIELD_VALIDATION = q('fieldValidation', 'string');
const FORCE = q('force', 'boolean');
const LIST_PARAMS = [
  q('allowWatchBookmarks', 'boolean'),
  q('continue', 'string'),
  q('fieldSelector', 'string'),
  q('labelSelector', 'string'),
  q('limit', 'integer'),
  q('resourceVersion', 'string'),
  q('resourceVersionMatch', 'string'),
  q('sendInitialEvents', 'boolean'),
  q('timeoutSeconds', 'integer'),
  q('watch', 'boolean'),
];
const DELETE_PARAMS = [DRY_RUN, q('gracePeriodSeconds', 'integer'), q('orphanDependents', 'boolean'), q('propagationPolicy', 'string')];
const pathParam = (name: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });

const PATCH_CONTENT_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const BODY_CONTENT_TYPES = ['application/json', 'application/yaml'];

function content(types: string[], schema: Json): Json {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function responses(codes: string[], schema: Json): Json {
  const out: Json = {};
  for (const code of codes) out[code] = { description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK', content: content(BODY_CONTENT_TYPES, schema) };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** "CoreV1", "AppsV1", "DiscoveryV1": upstream's operationId infix for a group-version. */
function operationInfix(r: { group: string; version: string }): string {
  const group = r.group ? r.group.split('.')[0] : 'core';
  return `${group[0].toUpperCase()}${group.slice(1)}${r.version[0].toUpperCase()}${r.version.slice(1)}`;
}

interface OperationSpec {
  verb: string;
  action: string;
  gvk: Gvk;
  parameters: Json[];
  requestBody?: Json;
  responses: Json;
}

function operation(o: OperationSpec, tag: string): Json {
  const op: Json = { tags: [tag], operationId: o.verb, parameters: o.parameters };
  if (o.requestBody) op.requestBody = o.requestBody;
  op.responses = o.responses;
  op['x-kubernetes-action'] = o.action;
  op['x-kubernetes-group-version-kind'] = o.gvk;
  return op;
}

/** The schema of a kind, by reference, or a free-form object for a kind the schema does not know. */
function schemaRef(gvk: Gvk): { schema: Json; type?: TypeSchema } {
  const type = typeForKind(gvk.group, gvk.version, gvk.kind);
  return type ? { schema: ref(type.name), type } : { schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
}

const SUBRESOURCE_KINDS: Record<string, Gvk | 'self'> = {
  status: 'self',
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
};

/** The paths of one resource: collection, item, and the subresources that carry objects. */
function resourcePaths(r: ResourceInfo, tag: string, roots: Set<string>): Record<string, Json> {
  const base = `/${groupVersionPath(r)}`;
  const scope = r.namespaced ? `${base}/namespaces/{namespace}` : base;
  const ns = r.namespaced ? 'Namespaced' : '';
  const infix = operationInfix(r);
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const kind = schemaRef(gvk);
  const list = schemaRef({ ...gvk, kind: r.listKind });
  const status = ref(STATUS);
  for (const t of [kind.type, list.type]) if (t) roots.add(t.name);
  roots.add(STATUS);
  roots.add(DELETE_OPTIONS);
  roots.add(PATCH);

  const has = (verb: string) => r.verbs.includes(verb);
  const paths: Record<string, Json> = {};
  const nsParam = r.namespaced ? [pathParam('namespace')] : [];
  const nameParam = pathParam('name');

  const collection: Json = {};
  if (has('list')) collection.get = operation({ verb: `list${infix}${ns}${r.kind}`, action: 'list', gvk, parameters: LIST_PARAMS, responses: responses(['200'], list.schema) }, tag);
  if (has('create')) {
    collection.post = operation(
      {
        verb: `create${infix}${ns}${r.kind}`,
        action: 'post',
        gvk,
        parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
        requestBody: { content: content(BODY_CONTENT_TYPES, kind.schema), required: true },
        responses: responses(['200', '201', '202'], kind.schema),
      },
      tag,
    );
  }
  if (has('deletecollection')) {
    collection.delete = operation(
      {
        verb: `delete${infix}Collection${ns}${r.kind}`,
        action: 'deletecollection',
        gvk,
        parameters: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS],
        requestBody: { content: content(BODY_CONTENT_TYPES, ref(DELETE_OPTIONS)) },
        responses: responses(['200'], status),
      },
      tag,
    );
  }
  if (Object.keys(collection).length) paths[`${scope}/${r.plural}`] = { ...collection, parameters: [...nsParam, PRETTY] };
  if (r.namespaced && has('list')) {
    paths[`${base}/${r.plural}`] = {
      get: operation({ verb: `list${infix}${r.kind}ForAllNamespaces`, action: 'list', gvk, parameters: LIST_PARAMS, responses: responses(['200'], list.schema) }, tag),
      parameters: [PRETTY],
    };
  }

  const item: Json = {};
  if (has('get')) item.get = operation({ verb: `read${infix}${ns}${r.kind}`, action: 'get', gvk, parameters: [], responses: responses(['200'], kind.schema) }, tag);
  if (has('update')) item.put = writeOperation('replace', 'put', `${infix}${ns}${r.kind}`, gvk, kind.schema, tag);
  if (has('patch')) item.patch = writeOperation('patch', 'patch', `${infix}${ns}${r.kind}`, gvk, kind.schema, tag);
  if (has('delete')) {
    item.delete = operation(
      {
        verb: `delete${infix}${ns}${r.kind}`,
        action: 'delete',
        gvk,
        parameters: DELETE_PARAMS,
        requestBody: { content: content(BODY_CONTENT_TYPES, ref(DELETE_OPTIONS)) },
        responses: responses(['200', '202'], status),
      },
      tag,
    );
  }
  if (Object.keys(item).length) paths[`${scope}/${r.plural}/{name}`] = { ...item, parameters: [nameParam, ...nsParam, PRETTY] };

  for (const sub of r.subresources) {
    const subKind = SUBRESOURCE_KINDS[sub];
    if (!subKind) continue;
    const subGvk = subKind === 'self' ? gvk : subKind;
    const subSchema = subKind === 'self' ? kind : schemaRef(subGvk);
    if (subSchema.type) roots.add(subSchema.type.name);
    const suffix = `${infix}${ns}${r.kind}${sub[0].toUpperCase()}${sub.slice(1)}`;
    const ops: Json = {};
    if (sub === 'binding' || sub === 'eviction') {
      ops.post = operation(
        {
          verb: `create${suffix}`,
          action: 'post',
          gvk: subGvk,
          parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
          requestBody: { content: content(BODY_CONTENT_TYPES, subSchema.schema), required: true },
          responses: responses(['200', '201', '202'], subSchema.schema),
        },
        tag,
      );
    } else {
      ops.get = operation({ verb: `read${suffix}`, action: 'get', gvk: subGvk, parameters: [], responses: responses(['200'], subSchema.schema) }, tag);
      ops.put = writeOperation('replace', 'put', suffix, subGvk, subSchema.schema, tag);
      ops.patch = writeOperation('patch', 'patch', suffix, subGvk, subSchema.schema, tag);
    }
    paths[`${scope}/${r.plural}/{name}/${sub}`] = { ...ops, parameters: [nameParam, ...nsParam, PRETTY] };
  }
  return paths;
}

/** PUT (replace) or PATCH: both take dryRun, fieldManager and fieldValidation; PATCH also force. */
function writeOperation(verb: 'replace' | 'patch', action: 'put' | 'patch', suffix: string, gvk: Gvk, schema: Json, tag: string): Json {
  const patch = action === 'patch';
  return operation(
    {
      verb: `${verb}${suffix}`,
      action,
      gvk,
      parameters: patch ? [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE] : [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      requestBody: { content: patch ? content(PATCH_CONTENT_TYPES, ref(PATCH)) : content(BODY_CONTENT_TYPES, schema), required: true },
      responses: responses(['200', '201'], schema),
    },
    tag,
  );
}

/** components.schemas: the roots and every type they reach. */
function componentSchemas(roots: Set<string>, groupVersion: { group: string; version: string }): Json {
  const schemas: Json = {};
  const queue = [...roots];
  const seen = new Set<string>(queue);
  const need = (name: string) => {
    if (!seen.has(name)) {
      seen.add(name);
      queue.push(name);
    }
  };
  while (queue.length) {
    const name = queue.shift()!;
    if (SCALAR_SCHEMAS[name]) {
      schemas[name] = SCALAR_SCHEMAS[name];
      continue;
    }
    const type = typeByName(name);
    if (!type) throw new Error(`openapi: the schema has no type ${name}`);
    const gvks: Gvk[] = [];
    if (type.gvk) gvks.push(type.gvk);
    // Upstream lists DeleteOptions under every group-version that accepts it.
    if (name === DELETE_OPTIONS && groupVersion.group !== '') gvks.push({ group: groupVersion.group, version: groupVersion.version, kind: 'DeleteOptions' });
    schemas[name] = typeSchemaJson(type, gvks, need);
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
    const tag = `${rs[0].group.split('.')[0] || 'core'}_${rs[0].version}`;
    const roots = new Set<string>();
    const paths: Record<string, Json> = {};
    for (const r of rs) Object.assign(paths, resourcePaths(r, tag, roots));
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
