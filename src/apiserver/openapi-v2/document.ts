/**
 * The OpenAPI v2 (Swagger 2.0) document of the whole API, as upstream serves it at /openapi/v2:
 * one `definitions` entry per type of the schema source, and the paths of every served resource.
 *
 * kubectl still reads v2 where v3 has no answer: `--validate=strict` on a `kind: List` document
 * validates each item client-side against the v2 definitions. It finds an item's definition by
 * the definition's `x-kubernetes-group-version-kind` list, follows `$ref`s, rejects unknown
 * fields and missing `required` ones, and refuses the whole document if any `$ref` names a
 * definition that is not there. Paths matter to its older query-parameter check, which looks
 * for the PATCH operation whose `x-kubernetes-group-version-kind` is the kind and an inline
 * query parameter named `fieldValidation`.
 *
 * Upstream's v2 renderings of the wire's special scalars are kept: Quantity is a string,
 * IntOrString a string of format `int-or-string`, Time a `date-time` string, and free-form
 * JSON (RawExtension, FieldsV1) an object of any content.
 */
import { apiVersionOf, type ResourceInfo } from '../../api/resource.ts';
import { allTypes, typeForKind, type FieldSchema, type FieldType, type TypeSchema } from '../../api/schema/index.ts';
import type { NonBodyParameter, Operation, Parameter, PathItem, Response, Schema, Document } from './types.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}.Time`;
const PATCH = `${META}.Patch`;
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;

/** Definitions of the types the schema source models as field kinds rather than as named types. */
const SCALAR_DEFINITIONS: Record<string, Schema> = {
  [QUANTITY]: { type: 'string' },
  [INT_OR_STRING]: { type: 'string', format: 'int-or-string' },
  [TIME]: { type: 'string', format: 'date-time' },
  [PATCH]: { type: 'object' },
};

/** Meta kinds every group-version accepts or returns, so upstream tags them with each one. */
const KINDS_OF_EVERY_GROUP_VERSION = new Set([DELETE_OPTIONS, `${META}.WatchEvent`]);

type Gvk = { group: string; version: string; kind: string };

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

function fieldTypeSchema(t: FieldType): Schema {
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
      return ref(QUANTITY);
    case 'int-or-string':
      return ref(INT_OR_STRING);
    case 'time':
      return ref(TIME);
    case 'any':
      // An object with no properties and no additionalProperties: a map of anything.
      return { type: 'object' };
    case 'ref':
      return ref(t.ref);
    case 'array':
      return { type: 'array', items: fieldTypeSchema(t.items) };
    case 'map':
      return { type: 'object', additionalProperties: fieldTypeSchema(t.values) };
  }
}

function fieldSchema(f: FieldSchema): Schema {
  const out = fieldTypeSchema(f.type);
  if (f.description) out.description = f.description;
  if (f.listType) out['x-kubernetes-list-type'] = f.listType;
  if (f.listMapKeys) out['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.patchMergeKey) out['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) out['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return out;
}

function typeDefinition(t: TypeSchema, gvks: Gvk[]): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(t.fields)) {
    properties[name] = fieldSchema(f);
    if (f.required) required.push(name);
  }
  const out: Schema = { type: 'object' };
  if (t.description) out.description = t.description;
  out.properties = properties;
  if (required.length) out.required = required;
  if (gvks.length) out['x-kubernetes-group-version-kind'] = gvks;
  return out;
}

function definitions(resources: readonly ResourceInfo[]): Record<string, Schema> {
  const groupVersions = [...new Map(resources.map((r) => [apiVersionOf(r), { group: r.group, version: r.version }])).values()];
  const defs: Record<string, Schema> = { ...SCALAR_DEFINITIONS };
  for (const t of allTypes()) {
    const gvks: Gvk[] = t.gvk ? [t.gvk] : [];
    if (t.gvk && KINDS_OF_EVERY_GROUP_VERSION.has(t.name)) {
      const own = apiVersionOf(t.gvk);
      for (const gv of groupVersions) if (apiVersionOf(gv) !== own) gvks.push({ ...gv, kind: t.gvk.kind });
    }
    defs[t.name] = typeDefinition(t, gvks);
  }
  return Object.fromEntries(Object.keys(defs).sort().map((name) => [name, defs[name]]));
}

const query = (name: string, type: NonBodyParameter['type']): NonBodyParameter => ({ in: 'query', name, type, uniqueItems: true });
const pathParameter = (name: string): NonBodyParameter => ({ in: 'path', name, required: true, type: 'string', uniqueItems: true });
const body = (schema: Schema): Parameter => ({ in: 'body', name: 'body', required: true, schema });

const PRETTY = query('pretty', 'string');
const DRY_RUN = query('dryRun', 'string');
const WRITE_PARAMETERS = [DRY_RUN, query('fieldManager', 'string'), query('fieldValidation', 'string')];
const LIST_PARAMETERS = [
  query('allowWatchBookmarks', 'boolean'),
  query('continue', 'string'),
  query('fieldSelector', 'string'),
  query('labelSelector', 'string'),
  query('limit', 'integer'),
  query('resourceVersion', 'string'),
  query('resourceVersionMatch', 'string'),
  query('sendInitialEvents', 'boolean'),
  query('timeoutSeconds', 'integer'),
  query('watch', 'boolean'),
];
const DELETE_PARAMETERS = [DRY_RUN, query('gracePeriodSeconds', 'integer'), query('orphanDependents', 'boolean'), query('propagationPolicy', 'string')];

const PRODUCES = ['application/json', 'application/yaml'];
const PATCH_CONSUMES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const STATUS_TEXT: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

function responses(codes: string[], schema: Schema): Record<string, Response> {
  const out: Record<string, Response> = {};
  for (const code of codes) out[code] = { description: STATUS_TEXT[code], schema };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** "CoreV1", "AppsV1", "DiscoveryV1": upstream's operationId infix for a group-version. */
function operationInfix(r: { group: string; version: string }): string {
  const group = r.group ? r.group.split('.')[0] : 'core';
  return `${group[0].toUpperCase()}${group.slice(1)}${r.version[0].toUpperCase()}${r.version.slice(1)}`;
}

interface OperationSpec {
  operationId: string;
  action: string;
  gvk: Gvk;
  parameters: Parameter[];
  responses: Record<string, Response>;
  consumes?: string[];
  produces?: string[];
}

function operation(o: OperationSpec, tag: string): Operation {
  return {
    tags: [tag],
    operationId: o.operationId,
    consumes: o.consumes ?? ['*/*'],
    produces: o.produces ?? PRODUCES,
    // An empty list is left out: protobuf cannot tell it from none, and both forms must agree.
    ...(o.parameters.length > 0 && { parameters: o.parameters }),
    responses: o.responses,
    schemes: ['https'],
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

/** The definition of a kind, by reference, or an object of any content for a kind the schema lacks. */
function kindSchema(gvk: Gvk): Schema {
  const type = typeForKind(gvk.group, gvk.version, gvk.kind);
  return type ? ref(type.name) : { type: 'object' };
}

/** Subresources that carry an object, and the kind of that object ('self': the resource's own). */
const SUBRESOURCE_KINDS: Record<string, Gvk | 'self'> = {
  status: 'self',
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
};

/** Read, replace and patch of one object (an item or its status/scale). */
function readWriteOperations(id: string, gvk: Gvk, schema: Schema, tag: string, verbs: (v: string) => boolean): PathItem {
  const item: PathItem = {};
  if (verbs('get')) item.get = operation({ operationId: `read${id}`, action: 'get', gvk, parameters: [], responses: responses(['200'], schema) }, tag);
  if (verbs('update')) item.put = operation({ operationId: `replace${id}`, action: 'put', gvk, parameters: [body(schema), ...WRITE_PARAMETERS], responses: responses(['200', '201'], schema) }, tag);
  if (verbs('patch')) {
    item.patch = operation(
      {
        operationId: `patch${id}`,
        action: 'patch',
        gvk,
        parameters: [body(ref(PATCH)), ...WRITE_PARAMETERS, query('force', 'boolean')],
        responses: responses(['200', '201'], schema),
        consumes: PATCH_CONSUMES,
      },
      tag,
    );
  }
  return item;
}

/** The paths of one resource: collection, all-namespaces list, item, and the subresources that carry objects. */
function resourcePaths(r: ResourceInfo): Record<string, PathItem> {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = r.namespaced ? `${base}/namespaces/{namespace}` : base;
  const ns = r.namespaced ? 'Namespaced' : '';
  const tag = `${r.group.split('.')[0] || 'core'}_${r.version}`;
  const id = `${operationInfix(r)}${ns}${r.kind}`;
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const schema = kindSchema(gvk);
  const list = kindSchema({ ...gvk, kind: r.listKind });
  const has = (verb: string) => r.verbs.includes(verb);
  const nsParameters = r.namespaced ? [pathParameter('namespace')] : [];
  const itemParameters = [pathParameter('name'), ...nsParameters, PRETTY];
  const listOperation = (operationId: string) =>
    operation({ operationId, action: 'list', gvk, parameters: LIST_PARAMETERS, responses: responses(['200'], list), produces: [...PRODUCES, 'application/json;stream=watch'] }, tag);
  const paths: Record<string, PathItem> = {};

  const collection: PathItem = {};
  if (has('list')) collection.get = listOperation(`list${id}`);
  if (has('create')) {
    collection.post = operation({ operationId: `create${id}`, action: 'post', gvk, parameters: [body(schema), ...WRITE_PARAMETERS], responses: responses(['200', '201', '202'], schema) }, tag);
  }
  if (has('deletecollection')) {
    const parameters = [body(ref(DELETE_OPTIONS)), ...LIST_PARAMETERS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMETERS];
    collection.delete = operation({ operationId: `delete${operationInfix(r)}Collection${ns}${r.kind}`, action: 'deletecollection', gvk, parameters, responses: responses(['200'], ref(STATUS)) }, tag);
  }
  if (Object.keys(collection).length) paths[`${scope}/${r.plural}`] = { ...collection, parameters: [...nsParameters, PRETTY] };
  if (r.namespaced && has('list')) paths[`${base}/${r.plural}`] = { get: listOperation(`list${operationInfix(r)}${r.kind}ForAllNamespaces`), parameters: [PRETTY] };

  const item = readWriteOperations(id, gvk, schema, tag, has);
  if (has('delete')) {
    item.delete = operation(
      { operationId: `delete${id}`, action: 'delete', gvk, parameters: [body(ref(DELETE_OPTIONS)), ...DELETE_PARAMETERS], responses: responses(['200', '202'], ref(STATUS)) },
      tag,
    );
  }
  if (Object.keys(item).length) paths[`${scope}/${r.plural}/{name}`] = { ...item, parameters: itemParameters };

  for (const sub of r.subresources) {
    const subKind = SUBRESOURCE_KINDS[sub];
    if (!subKind) continue;
    const subGvk = subKind === 'self' ? gvk : subKind;
    const subSchema = subKind === 'self' ? schema : kindSchema(subGvk);
    const subId = `${id}${sub[0].toUpperCase()}${sub.slice(1)}`;
    const ops: PathItem =
      sub === 'binding' || sub === 'eviction'
        ? { post: operation({ operationId: `create${subId}`, action: 'post', gvk: subGvk, parameters: [body(subSchema), ...WRITE_PARAMETERS], responses: responses(['200', '201', '202'], subSchema) }, tag) }
        : readWriteOperations(subId, subGvk, subSchema, tag, () => true);
    paths[`${scope}/${r.plural}/{name}/${sub}`] = { ...ops, parameters: itemParameters };
  }
  return paths;
}

/** The whole v2 document for these resources: every type of the schema source, and the resources' paths. */
export function buildOpenApiV2(resources: readonly ResourceInfo[]): Document {
  const paths: Record<string, PathItem> = {};
  for (const r of resources) Object.assign(paths, resourcePaths(r));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]])),
    definitions: definitions(resources),
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
}
