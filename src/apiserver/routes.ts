/**
 * Routes a resource request to its handler: checks the resource exists, its scope, the verb
 * and the subresource, then calls the verb's handler. Non-resource paths (health, version,
 * discovery, OpenAPI) are routed by `non-resource.ts`.
 */
import { findResource } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { handleSelfSubjectAccessReview, handleSelfSubjectRulesReview } from './access-reviews.ts';
import { selfSubjectReview } from './auth/self-subject-review.ts';
import { decodeObject, fieldValidationOf, readBody } from './body.ts';
import { writeJson, type RequestContext } from './context.ts';
import { badRequest, methodNotAllowed, notFound, pathNotFound } from './errors.ts';
import { handleDelete, handleDeleteCollection } from './handlers/delete.ts';
import { handleBinding, handleEviction, handleStreaming } from './handlers/pod-subresources.ts';
import { handleGet, handleList, renderObject, representation } from './handlers/read.ts';
import { handleScale } from './handlers/scale.ts';
import { handleWatch } from './handlers/watch.ts';
import { dryRunOf, handleCreate, handlePatch, handleUpdate } from './handlers/write.ts';
import { handleTokenRequest } from './token-request.ts';
import { writeBody } from './context.ts';

const STREAMING = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Ctx = Omit<RequestContext, 'resource'>;

export async function routeResource(base: Ctx): Promise<void> {
  const { info } = base;
  const resource = findResource(info.group, info.version, info.resource);
  if (!resource) throw pathNotFound();
  const ctx: RequestContext = { ...base, resource };
  if (!resource.namespaced && base.info.namespace && resource.plural !== 'namespaces') throw pathNotFound();
  const sub = info.subresource;
  if (sub) {
    if (!resource.subresources.includes(sub)) throw pathNotFound();
    return routeSubresource(ctx, sub);
  }
  if (resource.namespaced && info.name && !info.namespace) throw pathNotFound();
  if (!resource.verbs.includes(info.verb)) throw methodNotAllowed();
  switch (info.verb) {
    case 'get':
      return handleGet(ctx);
    case 'list':
      return handleList(ctx);
    case 'watch':
      return handleWatch(ctx);
    case 'create':
      return routeCreate(ctx);
    case 'update':
      return handleUpdate(ctx);
    case 'patch':
      return handlePatch(ctx);
    case 'delete':
      return handleDelete(ctx);
    case 'deletecollection':
      return handleDeleteCollection(ctx);
    default:
      throw methodNotAllowed();
  }
}

async function routeCreate(ctx: RequestContext): Promise<void> {
  const r = ctx.resource;
  if (ctx.info.name) throw methodNotAllowed();
  if (r.group === '' && r.plural === 'bindings') return handleBinding(ctx);
  if (r.group === 'authentication.k8s.io' && r.plural === 'selfsubjectreviews') {
    const body = await readBody(ctx.req);
    const contentType = ctx.req.headers['content-type'] ?? '';
    // A SelfSubjectReview request carries no fields, so kubectl's protobuf body (`kubectl auth
    // whoami` sends one) needs only its envelope checked; the answer is about the caller.
    if (contentType.startsWith(PROTOBUF)) {
      if (!body.subarray(0, 4).equals(PROTOBUF_MAGIC)) throw badRequest('the protobuf body does not start with the Kubernetes magic bytes "k8s\\x00"');
    } else {
      decodeObject(body, contentType, r, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, fieldValidationOf(ctx.query));
    }
    writeJson(ctx.res, 201, selfSubjectReview(ctx.user));
    return;
  }
  if (r.group === 'authorization.k8s.io' && r.plural === 'selfsubjectaccessreviews') return handleSelfSubjectAccessReview(ctx);
  if (r.group === 'authorization.k8s.io' && r.plural === 'selfsubjectrulesreviews') return handleSelfSubjectRulesReview(ctx);
  return handleCreate(ctx);
}

async function routeSubresource(ctx: RequestContext, sub: string): Promise<void> {
  const method = ctx.req.method ?? 'GET';
  const r = ctx.resource;
  if (STREAMING.has(sub)) return handleStreaming(ctx);
  switch (sub) {
    case 'status':
      if (method === 'GET') return handleGet(ctx);
      if (method === 'PUT') return handleUpdate(ctx);
      if (method === 'PATCH') return handlePatch(ctx);
      throw methodNotAllowed();
    case 'scale':
      return handleScale(ctx);
    case 'token':
      return handleTokenRequest(ctx);
    case 'binding':
      if (method !== 'POST') throw methodNotAllowed();
      return handleBinding(ctx);
    case 'eviction':
      if (method !== 'POST') throw methodNotAllowed();
      return handleEviction(ctx);
    case 'finalize':
      if (method !== 'PUT') throw methodNotAllowed();
      return finalizeNamespace(ctx, r);
    default:
      throw notFound({ group: r.group, resource: `${r.plural}/${sub}`, name: ctx.info.name });
  }
}

/** PUT namespaces/{name}/finalize: the namespace controller's write of spec.finalizers. */
async function finalizeNamespace(ctx: RequestContext, r: ResourceInfo): Promise<void> {
  const rep = representation(ctx, false);
  const body = await readBody(ctx.req);
  const { object } = decodeObject(body, ctx.req.headers['content-type'], r, { apiVersion: 'v1', kind: 'Namespace' }, fieldValidationOf(ctx.query));
  const finalizers = ((object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).slice();
  const stored = await ctx.parts.registry.mutate(r, '', ctx.info.name, (ns) => {
    ns.spec = { ...ns.spec, finalizers };
    if (finalizers.length === 0) delete ns.spec.finalizers;
    return ns;
  }, { dryRun: dryRunOf(ctx.query) });
  writeBody(ctx, 200, renderObject(r, stored, rep), rep);
}
