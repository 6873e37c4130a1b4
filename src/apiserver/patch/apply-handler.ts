/**
 * PATCH with `application/apply-patch+yaml` (or its JSON form): server-side apply of the
 * body to the object, creating it when it does not exist. The apply itself is apply.ts; this
 * decodes the request (fieldManager is required, force and dryRun honoured), runs it through
 * the registry — defaults, validation, the CAS of the stored object — and answers 201 when it
 * created the object, 200 otherwise.
 */
import { apiVersionOf } from '../../api/resource.ts';
import { checkFields, checkTypes, fieldValidationOf, parseBody, readBody } from '../body.ts';
import { writeBody, type RequestContext } from '../context.ts';
import { badRequest, notFound, StatusError } from '../errors.ts';
import { renderObject, representation } from '../handlers/read.ts';
import { dryRunOf } from '../handlers/write.ts';
import { baseManagers, encodeManagedFields, fieldManagerOf, type Manager } from '../managed-fields.ts';
import { shapeOf } from '../managed-fields-request.ts';
import type { KObject } from '../registry/object-store.ts';
import { serverSideApply } from './apply.ts';
import { conflictsAllowedByLastApplied, KUBECTL_APPLY_MANAGER, syncLastApplied } from './apply-last-applied.ts';

export const APPLY_PATCH_TYPES = ['application/apply-patch+yaml', 'application/apply-patch+json'];

/** force=true|false; anything else is a 400, as upstream's parameter decoding. */
function forceOf(query: URLSearchParams): boolean {
  const v = query.get('force');
  if (v === null || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest(`force: Invalid value: ${JSON.stringify(v)}: must be true or false`);
}

/** Reads and checks the applied configuration. */
async function readConfig(ctx: RequestContext, contentType: string): Promise<KObject> {
  const r = ctx.resource;
  const body = await readBody(ctx.req);
  // The JSON form is YAML too: one parser reads both.
  const { value, duplicateFields } = parseBody(body, 'application/apply-patch+yaml', ['application/apply-patch+yaml']);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest(`the body of a ${contentType} request must be an object`);
  const config = value as KObject;
  const expectedApiVersion = apiVersionOf(r);
  if (!config.apiVersion || !config.kind) throw badRequest(`${contentType} body must set apiVersion and kind`);
  if (config.apiVersion !== expectedApiVersion || config.kind !== r.kind) {
    throw badRequest(`the applied object's ${config.apiVersion}, Kind=${config.kind} does not match the resource's ${expectedApiVersion}, Kind=${r.kind}`);
  }
  const name = config.metadata?.name;
  if (name !== undefined && name !== ctx.info.name) {
    throw badRequest(`the name of the object (${String(name)}) does not match the name on the URL (${ctx.info.name})`);
  }
  const ns = config.metadata?.namespace;
  if (r.namespaced && ns !== undefined && ns !== ctx.info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const what = `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}`;
  checkTypes(config, { group: r.group, version: r.version, kind: r.kind }, what);
  ctx.warnings.push(...checkFields(config, r, r.kind, duplicateFields, fieldValidationOf(ctx.query), what));
  return config;
}

export async function handleApply(ctx: RequestContext, contentType: string): Promise<void> {
  const rep = representation(ctx);
  const dryRun = dryRunOf(ctx.query);
  const manager = fieldManagerOf(ctx.query, ctx.req.headers['user-agent'], true);
  const force = forceOf(ctx.query);
  const config = await readConfig(ctx, contentType);
  const r = ctx.resource;
  const sub = ctx.info.subresource === 'status' ? 'status' : undefined;
  const shape = shapeOf(ctx);
  const { namespace, name } = ctx.info;

  const apply = (live: KObject | undefined): { object: KObject; managers: Manager[] } => {
    const result = serverSideApply({
      live,
      config,
      managers: baseManagers(undefined, live, sub),
      manager,
      force,
      shape,
      apiVersion: apiVersionOf(r),
      hasStatus: r.hasStatus,
      subresource: sub,
      now: new Date(),
      allowedConflicts: manager === KUBECTL_APPLY_MANAGER ? () => conflictsAllowedByLastApplied(live, shape) : undefined,
    });
    if (manager === KUBECTL_APPLY_MANAGER) syncLastApplied(result.object, config);
    return result;
  };

  const live = await ctx.parts.registry.get(r, namespace, name).catch((err) => {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  });
  if (!live) {
    if (sub) throw notFound({ group: r.group, resource: r.plural, name });
    const { object, managers } = apply(undefined);
    ctx.admission?.create?.(object);
    const created = await ctx.parts.registry.create(r, namespace, object, {
      dryRun,
      manageFields: (next) => setManagedFields(next, managers),
    });
    writeBody(ctx, 201, renderObject(r, created, rep), rep);
    return;
  }
  let managers: Manager[] = [];
  const stored = await ctx.parts.registry.patch(
    r,
    namespace,
    name,
    (current) => {
      const result = apply(current);
      managers = result.managers;
      return result.object;
    },
    { dryRun, subresource: sub, manageFields: (next) => setManagedFields(next, managers), admitUpdate: ctx.admission?.update },
  );
  writeBody(ctx, 200, renderObject(r, stored, rep), rep);
}

function setManagedFields(obj: KObject, managers: Manager[]): void {
  const encoded = encodeManagedFields(managers);
  obj.metadata ??= {};
  if (encoded) obj.metadata.managedFields = encoded;
  else delete obj.metadata.managedFields;
}
