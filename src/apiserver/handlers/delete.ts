/**
 * DELETE of one object and of a collection (deletecollection). DeleteOptions come from the
 * body or the query; an object removed at once answers a Success Status (200), one only
 * marked for deletion (grace period, finalizers) answers itself with 202, as upstream.
 */
import { parseBody, readBody } from '../body.ts';
import { badRequest } from '../errors.ts';
import type { DeleteOptions } from '../registry/registry.ts';
import type { KObject } from '../registry/object-store.ts';
import { successStatus, writeBody, writeJson, type RequestContext } from '../context.ts';
import { readList, representation } from './read.ts';
import { dryRunOf } from './write.ts';
import { apiVersionOf } from '../../api/resource.ts';

const POLICIES = ['Orphan', 'Background', 'Foreground'];

export async function deleteOptionsOf(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readBody(ctx.req);
  let raw: KObject = {};
  if (body.length > 0) {
    const { value } = parseBody(body, ctx.req.headers['content-type'], ['application/json', 'application/yaml']);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('DeleteOptions must be an object');
    raw = value as KObject;
  }
  const q = ctx.query;
  const options: DeleteOptions = {};
  const grace = raw.gracePeriodSeconds ?? (q.has('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined) {
    if (!Number.isInteger(grace)) throw badRequest(`invalid gracePeriodSeconds: ${String(grace)}`);
    options.gracePeriodSeconds = Math.max(0, grace);
  }
  let policy = raw.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  const orphan = raw.orphanDependents ?? (q.has('orphanDependents') ? q.get('orphanDependents') === 'true' : undefined);
  if (orphan !== undefined && policy) throw badRequest('DeleteOptions: Invalid value: "": orphanDependents and propagationPolicy cannot both be set');
  if (orphan === true) policy = 'Orphan';
  if (policy !== undefined) {
    if (!POLICIES.includes(policy)) throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    options.propagationPolicy = policy;
  }
  if (raw.preconditions) options.preconditions = raw.preconditions;
  const dry = Array.isArray(raw.dryRun) ? raw.dryRun : [];
  for (const v of dry) if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  options.dryRun = dryRunOf(q) || dry.length > 0;
  return options;
}

export async function handleDelete(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx, false);
  const options = await deleteOptionsOf(ctx);
  const r = ctx.resource;
  const { object, deleted } = await ctx.parts.registry.delete(r, ctx.info.namespace, ctx.info.name, options);
  if (deleted) {
    const details: KObject = { name: ctx.info.name, kind: r.plural, uid: object.metadata?.uid };
    if (r.group) details.group = r.group;
    writeJson(ctx.res, 200, successStatus(details), 'application/json', ctx.warnings);
    return;
  }
  writeBody(ctx, 202, object, rep);
}

export async function handleDeleteCollection(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx, false);
  const options = await deleteOptionsOf(ctx);
  const r = ctx.resource;
  const page = await readList(ctx);
  const items: KObject[] = [];
  for (const obj of page.items) {
    try {
      const { object } = await ctx.parts.registry.delete(r, obj.metadata.namespace ?? '', obj.metadata.name, options);
      items.push(object);
    } catch (err) {
      // Gone in the meantime: that is what was asked.
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  writeBody(ctx, 200, { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: {}, items }, rep);
}
