/**
 * POST (create) and PUT (update, and update of the status subresource) of whole objects,
 * and PATCH in the three patch formats. Each decodes the body, honours dryRun and
 * fieldValidation, and answers with the stored object (201 when created).
 */
import { apiVersionOf } from '../../api/resource.ts';
import { typeByName, typeForKind } from '../../api/schema/index.ts';
import { checkFields, checkTypes, decodeObject, fieldValidationOf, parseBody, readBody } from '../body.ts';
import { badRequest, notFound } from '../errors.ts';
import { unsupportedPatchType } from '../patch/errors.ts';
import { applyPatch } from '../patch/index.ts';
import { APPLY_PATCH_TYPES, handleApply } from '../patch/apply-handler.ts';
import { trackUpdate } from '../managed-fields-request.ts';
import type { KObject } from '../registry/object-store.ts';
import { writeBody, type RequestContext } from '../context.ts';
import { renderObject, representation } from './read.ts';

export function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

function expected(ctx: RequestContext) {
  return { apiVersion: apiVersionOf(ctx.resource), kind: ctx.resource.kind };
}

export async function handleCreate(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx);
  const dryRun = dryRunOf(ctx.query);
  const validation = fieldValidationOf(ctx.query);
  const body = await readBody(ctx.req);
  const { object, warnings } = decodeObject(body, ctx.req.headers['content-type'], ctx.resource, expected(ctx), validation);
  ctx.warnings.push(...warnings);
  ctx.admission?.create?.(object);
  const meta = (object.metadata ?? {}) as KObject;
  const ns = ctx.info.namespace;
  if (ctx.resource.namespaced && meta.namespace && ns && meta.namespace !== ns) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const created = await ctx.parts.registry.create(ctx.resource, ns, object, { dryRun, manageFields: trackUpdate(ctx) });
  writeBody(ctx, 201, renderObject(ctx.resource, created, rep), rep);
}

export async function handleUpdate(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx);
  const dryRun = dryRunOf(ctx.query);
  const validation = fieldValidationOf(ctx.query);
  const sub = ctx.info.subresource;
  if (sub && sub !== 'status') throw notFound({ group: ctx.resource.group, resource: `${ctx.resource.plural}/${sub}`, name: ctx.info.name });
  const body = await readBody(ctx.req);
  const { object, warnings } = decodeObject(body, ctx.req.headers['content-type'], ctx.resource, expected(ctx), validation);
  ctx.warnings.push(...warnings);
  const subresource = sub === 'status' ? 'status' : undefined;
  const { object: stored, created } = await ctx.parts.registry.update(ctx.resource, ctx.info.namespace, ctx.info.name, object, {
    dryRun,
    subresource,
    manageFields: trackUpdate(ctx, { subresource, submitted: () => (object.metadata as KObject | undefined)?.managedFields }),
    admitUpdate: ctx.admission?.update,
  });
  writeBody(ctx, created ? 201 : 200, renderObject(ctx.resource, stored, rep), rep);
}

export const PATCH_CONTENT_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', ...APPLY_PATCH_TYPES];

/** Reads a PATCH body and returns a function that applies it to an object of `kind`. */
export async function readPatch(ctx: RequestContext, group: string, version: string, kind: string): Promise<(current: KObject) => KObject> {
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!PATCH_CONTENT_TYPES.includes(contentType)) throw unsupportedPatchType(PATCH_CONTENT_TYPES);
  const validation = fieldValidationOf(ctx.query);
  const body = await readBody(ctx.req);
  const { value: patch, duplicateFields } = parseBody(body, contentType, PATCH_CONTENT_TYPES);
  const type = typeForKind(group, version, kind);
  const what = `${kind} in version "${version}" cannot be handled as a ${kind}`;
  return (current) => {
    const patched = applyPatch(contentType, current, patch, type, typeByName) as KObject;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw badRequest('the patch turned the object into something that is not an object');
    checkTypes(patched, { group, version, kind }, what);
    ctx.warnings.length = 0;
    ctx.warnings.push(...checkFields(patched, ctx.resource, kind, duplicateFields, validation, what));
    return patched;
  };
}

export async function handlePatch(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx);
  const dryRun = dryRunOf(ctx.query);
  const sub = ctx.info.subresource;
  if (sub && sub !== 'status') throw notFound({ group: ctx.resource.group, resource: `${ctx.resource.plural}/${sub}`, name: ctx.info.name });
  const r = ctx.resource;
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (APPLY_PATCH_TYPES.includes(contentType)) return handleApply(ctx, contentType);
  if (ctx.query.has('force')) throw badRequest('force: Forbidden: may not be specified for non-apply patch');
  const patchFn = await readPatch(ctx, r.group, r.version, r.kind);
  const subresource = sub === 'status' ? 'status' : undefined;
  let submitted: unknown;
  const stored = await ctx.parts.registry.patch(
    r,
    ctx.info.namespace,
    ctx.info.name,
    (current) => {
      const patched = patchFn(current);
      submitted = patched.metadata?.managedFields;
      return patched;
    },
    { dryRun, subresource, manageFields: trackUpdate(ctx, { subresource, submitted: () => submitted }), admitUpdate: ctx.admission?.update },
  );
  writeBody(ctx, 200, renderObject(r, stored, rep), rep);
}
