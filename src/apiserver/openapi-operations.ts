/**
 * The API's operations, independent of OpenAPI version: for each served resource, the paths
 * upstream publishes (collection, all-namespaces list, item, and the subresources that carry
 * an object), and on each path the operations with upstream's operationIds, query parameters,
 * bodies, success codes and `x-kubernetes-*` facts.
 *
 * The v3 documents (openapi.ts) and the v2 document (openapi-v2/document.ts) both render this
 * one description, so a resource or subresource is described here once and appears the same
 * way in both.
 */
import type { ResourceInfo } from '../api/resource.ts';
import { typeForKind } from '../api/schema/index.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** The body of every PATCH: free-form here, its shape given by the patch media type. */
export const PATCH = `${META}.Patch`;
export const STATUS = `${META}.Status`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A query or path parameter. kubectl matches query parameters by name, so renderers write them inline. */
export interface ApiParameter {
  name: string;
  in: 'query' | 'path';
  /** The type as upstream declares it. */
  type: 'string' | 'integer' | 'boolean';
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** Success codes an operation answers with; every operation may also answer 401. */
export type SuccessCode = '200' | '201' | '202';

/** Upstream's response descriptions. */
export const RESPONSE_DESCRIPTIONS: Readonly<Record<SuccessCode | '401', string>> = { '200': 'OK', '201': 'Created', '202': 'Accepted', '401': 'Unauthorized' };

/** The media types a PATCH body may be sent in. */
const PATCH_MEDIA_TYPES: readonly string[] = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/**
 * The type of a request or response body: a type of the schema source by name, or undefined for
 * a kind the schema does not know (an object of any content).
 */
export type BodyType = string | undefined;

export interface ApiRequestBody {
  type: BodyType;
  /** Only DeleteOptions may be left out. */
  required: boolean;
  /** Set for PATCH: the patch formats it accepts. Otherwise the body is the object, in any serialization the API reads. */
  mediaTypes?: readonly string[];
}

export interface ApiOperation {
  method: HttpMethod;
  /** `x-kubernetes-action`: the verb upstream's clients see (list, post, put, deletecollection, ...). */
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  /** "listCoreV1NamespacedPod", "patchAppsV1NamespacedDeploymentScale". */
  operationId: string;
  /** `x-kubernetes-group-version-kind`: the kind of the body, which for scale, binding and eviction is not the resource's. */
  gvk: GroupVersionKind;
  /** Query parameters of this operation, in upstream's order. */
  parameters: readonly ApiParameter[];
  request?: ApiRequestBody;
  responseType: BodyType;
  codes: readonly SuccessCode[];
}

export interface ApiPath {
  /** "/api/v1/namespaces/{namespace}/pods/{name}/status". */
  path: string;
  /** `tags` of its operations: "core_v1", "apps_v1". */
  tag: string;
  /** Parameters of every operation on the path: its path parameters, then `pretty`. */
  parameters: readonly ApiParameter[];
  operations: readonly ApiOperation[];
}

/** "api/v1" for the core group, "apis/<group>/<version>" otherwise. */
export function groupVersionPath(gv: { group: string; version: string }): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

/** "CoreV1", "AppsV1", "DiscoveryV1": upstream's operationId infix for a group-version. */
function operationInfix(gv: { group: string; version: string }): string {
  const group = gv.group ? gv.group.split('.')[0] : 'core';
  return `${group[0].toUpperCase()}${group.slice(1)}${gv.version[0].toUpperCase()}${gv.version.slice(1)}`;
}

const capitalize = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;

const query = (name: string, type: ApiParameter['type']): ApiParameter => ({ name, in: 'query', type });
const pathParameter = (name: string): ApiParameter => ({ name, in: 'path', type: 'string' });

const PRETTY = query('pretty', 'string');
const DRY_RUN = query('dryRun', 'string');
const WRITE_PARAMETERS = [DRY_RUN, query('fieldManager', 'string'), query('fieldValidation', 'string')];
const PATCH_PARAMETERS = [...WRITE_PARAMETERS, query('force', 'boolean')];
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
/** A delete of many objects selects them as a list does, but does not watch. */
const DELETE_COLLECTION_PARAMETERS = [...LIST_PARAMETERS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMETERS];

/** Subresources that carry an object, and the kind of that object ('self': the resource's own). */
const SUBRESOURCE_KINDS: Record<string, GroupVersionKind | 'self'> = {
  status: 'self',
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
};

/** Subresources that are only ever created (POSTed), never read or replaced. */
const CREATE_ONLY_SUBRESOURCES = new Set(['binding', 'eviction']);

/** The schema source's name for a kind, or undefined when it does not know the kind. */
function kindType(gvk: GroupVersionKind): BodyType {
  return typeForKind(gvk.group, gvk.version, gvk.kind)?.name;
}

/** POST of a new object: the object in, the object out. */
function createOperation(operationId: string, gvk: GroupVersionKind, type: BodyType): ApiOperation {
  return { method: 'post', action: 'post', operationId, gvk, parameters: WRITE_PARAMETERS, request: { type, required: true }, responseType: type, codes: ['200', '201', '202'] };
}

/** Read, replace and patch of one object (an item or its status/scale), each when `has` its verb. */
function readWriteOperations(id: string, gvk: GroupVersionKind, type: BodyType, has: (verb: string) => boolean): ApiOperation[] {
  const ops: ApiOperation[] = [];
  if (has('get')) ops.push({ method: 'get', action: 'get', operationId: `read${id}`, gvk, parameters: [], responseType: type, codes: ['200'] });
  if (has('update')) {
    ops.push({ method: 'put', action: 'put', operationId: `replace${id}`, gvk, parameters: WRITE_PARAMETERS, request: { type, required: true }, responseType: type, codes: ['200', '201'] });
  }
  if (has('patch')) {
    ops.push({
      method: 'patch',
      action: 'patch',
      operationId: `patch${id}`,
      gvk,
      parameters: PATCH_PARAMETERS,
      request: { type: PATCH, required: true, mediaTypes: PATCH_MEDIA_TYPES },
      responseType: type,
      codes: ['200', '201'],
    });
  }
  return ops;
}

/**
 * The paths of one resource, in upstream's order: collection, all-namespaces list (namespaced
 * resources), item, then each subresource that carries an object. A path with no operation
 * (a verb the resource does not serve) is left out.
 */
export function resourcePaths(r: ResourceInfo): ApiPath[] {
  const base = `/${groupVersionPath(r)}`;
  const scope = r.namespaced ? `${base}/namespaces/{namespace}` : base;
  const ns = r.namespaced ? 'Namespaced' : '';
  const infix = operationInfix(r);
  const id = `${infix}${ns}${r.kind}`;
  const tag = `${r.group.split('.')[0] || 'core'}_${r.version}`;
  const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: r.kind };
  const type = kindType(gvk);
  const listType = kindType({ ...gvk, kind: r.listKind });
  const has = (verb: string) => r.verbs.includes(verb);
  const nsParameters = r.namespaced ? [pathParameter('namespace')] : [];
  const itemParameters = [pathParameter('name'), ...nsParameters, PRETTY];
  const list = (operationId: string): ApiOperation => ({ method: 'get', action: 'list', operationId, gvk, parameters: LIST_PARAMETERS, responseType: listType, codes: ['200'] });
  const paths: ApiPath[] = [];
  const add = (path: string, parameters: ApiParameter[], operations: ApiOperation[]) => {
    if (operations.length) paths.push({ path, tag, parameters, operations });
  };

  const collection: ApiOperation[] = [];
  if (has('list')) collection.push(list(`list${id}`));
  if (has('create')) collection.push(createOperation(`create${id}`, gvk, type));
  if (has('deletecollection')) {
    collection.push({
      method: 'delete',
      action: 'deletecollection',
      operationId: `delete${infix}Collection${ns}${r.kind}`,
      gvk,
      parameters: DELETE_COLLECTION_PARAMETERS,
      request: { type: DELETE_OPTIONS, required: false },
      responseType: STATUS,
      codes: ['200'],
    });
  }
  add(`${scope}/${r.plural}`, [...nsParameters, PRETTY], collection);
  if (r.namespaced && has('list')) add(`${base}/${r.plural}`, [PRETTY], [list(`list${infix}${r.kind}ForAllNamespaces`)]);

  const item = readWriteOperations(id, gvk, type, has);
  if (has('delete')) {
    item.push({
      method: 'delete',
      action: 'delete',
      operationId: `delete${id}`,
      gvk,
      parameters: DELETE_PARAMETERS,
      request: { type: DELETE_OPTIONS, required: false },
      responseType: STATUS,
      codes: ['200', '202'],
    });
  }
  add(`${scope}/${r.plural}/{name}`, itemParameters, item);

  for (const sub of r.subresources) {
    const subKind = SUBRESOURCE_KINDS[sub];
    if (!subKind) continue;
    const subGvk = subKind === 'self' ? gvk : subKind;
    const subType = subKind === 'self' ? type : kindType(subGvk);
    const subId = `${id}${capitalize(sub)}`;
    const ops = CREATE_ONLY_SUBRESOURCES.has(sub) ? [createOperation(`create${subId}`, subGvk, subType)] : readWriteOperations(subId, subGvk, subType, () => true);
    add(`${scope}/${r.plural}/{name}/${sub}`, itemParameters, ops);
  }
  return paths;
}
