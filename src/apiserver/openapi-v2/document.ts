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
import { allTypes } from '../../api/schema/index.ts';
import {
  DELETE_OPTIONS,
  PATCH,
  RESPONSE_DESCRIPTIONS,
  resourcePaths,
  type ApiOperation,
  type ApiParameter,
  type ApiPath,
  type BodyType,
  type GroupVersionKind,
  type SuccessCode,
} from '../openapi-operations.ts';
import { INT_OR_STRING, QUANTITY, TIME, typeSchema, type SchemaStyle } from '../openapi-schema.ts';
import type { NonBodyParameter, Operation, Parameter, PathItem, Response, Schema, Document } from './types.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Definitions of the types the schema source models as field kinds rather than as named types. */
const SCALAR_DEFINITIONS: Record<string, Schema> = {
  [QUANTITY]: { type: 'string' },
  [INT_OR_STRING]: { type: 'string', format: 'int-or-string' },
  [TIME]: { type: 'string', format: 'date-time' },
  [PATCH]: { type: 'object' },
};

/** Meta kinds every group-version accepts or returns, so upstream tags them with each one. */
const KINDS_OF_EVERY_GROUP_VERSION = new Set([DELETE_OPTIONS, `${META}.WatchEvent`]);

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

/** An object with no properties and no additionalProperties: a map of anything. */
const freeForm = (): Schema => ({ type: 'object' });

/** Every type is defined in the document, so a reference needs nothing more. */
const STYLE: SchemaStyle = { ref, any: freeForm };

function definitions(resources: readonly ResourceInfo[]): Record<string, Schema> {
  const groupVersions = [...new Map(resources.map((r) => [apiVersionOf(r), { group: r.group, version: r.version }])).values()];
  const defs: Record<string, Schema> = { ...SCALAR_DEFINITIONS };
  for (const t of allTypes()) {
    const gvks: GroupVersionKind[] = t.gvk ? [t.gvk] : [];
    if (t.gvk && KINDS_OF_EVERY_GROUP_VERSION.has(t.name)) {
      const own = apiVersionOf(t.gvk);
      for (const gv of groupVersions) if (apiVersionOf(gv) !== own) gvks.push({ ...gv, kind: t.gvk.kind });
    }
    defs[t.name] = typeSchema(t, gvks, STYLE);
  }
  return Object.fromEntries(Object.keys(defs).sort().map((name) => [name, defs[name]]));
}

function parameter(p: ApiParameter): NonBodyParameter {
  return p.in === 'path' ? { in: p.in, name: p.name, required: true, type: p.type, uniqueItems: true } : { in: p.in, name: p.name, type: p.type, uniqueItems: true };
}

/** A body's definition, by reference, or an object of any content for a kind the schema lacks. */
function bodySchema(type: BodyType): Schema {
  return type ? ref(type) : freeForm();
}

const PRODUCES = ['application/json', 'application/yaml'];
/** A list answers `?watch=true` with a stream of watch events. */
const LIST_PRODUCES = [...PRODUCES, 'application/json;stream=watch'];

function responses(codes: readonly SuccessCode[], schema: Schema): Record<string, Response> {
  const out: Record<string, Response> = {};
  for (const code of codes) out[code] = { description: RESPONSE_DESCRIPTIONS[code], schema };
  out['401'] = { description: RESPONSE_DESCRIPTIONS['401'] };
  return out;
}

function operation(o: ApiOperation, tag: string): Operation {
  const parameters: Parameter[] = o.parameters.map(parameter);
  // Every body is marked required here, DeleteOptions too; v3 follows request.required and leaves it optional.
  if (o.request) parameters.unshift({ in: 'body', name: 'body', required: true, schema: bodySchema(o.request.type) });
  return {
    tags: [tag],
    operationId: o.operationId,
    consumes: o.request?.mediaTypes ? [...o.request.mediaTypes] : ['*/*'],
    produces: o.action === 'list' ? LIST_PRODUCES : PRODUCES,
    // An empty list is left out: protobuf cannot tell it from none, and both forms must agree.
    ...(parameters.length > 0 && { parameters }),
    responses: responses(o.codes, bodySchema(o.responseType)),
    schemes: ['https'],
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

function pathItem({ tag, parameters, operations }: ApiPath): PathItem {
  const item: PathItem = {};
  for (const o of operations) item[o.method] = operation(o, tag);
  item.parameters = parameters.map(parameter);
  return item;
}

/** The whole v2 document for these resources: every type of the schema source, and the resources' paths. */
export function buildOpenApiV2(resources: readonly ResourceInfo[]): Document {
  const paths: Record<string, PathItem> = {};
  for (const r of resources) for (const p of resourcePaths(r)) paths[p.path] = pathItem(p);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]])),
    definitions: definitions(resources),
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
}
