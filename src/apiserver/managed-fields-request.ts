/**
 * Field ownership for one request: the registry hook that records the request's field manager
 * as an Update entry on create, update and patch (see managed-fields.ts).
 */
import { apiVersionOf } from '../api/resource.ts';
import { typeForKind } from '../api/schema/index.ts';
import type { RequestContext } from './context.ts';
import { baseManagers, encodeManagedFields, fieldManagerOf, recordUpdate } from './managed-fields.ts';
import { objectShape, type Shape } from './managed-fields-paths.ts';
import type { KObject } from './registry/object-store.ts';

/** The shape of the resource's objects. */
export function shapeOf(ctx: Pick<RequestContext, 'resource'>): Shape {
  const r = ctx.resource;
  return objectShape(typeForKind(r.group, r.version, r.kind));
}

/**
 * The registry hook recording this request's manager. `submitted` returns the managedFields the
 * client sent (read when the hook runs, after the request's object is known).
 */
export function trackUpdate(
  ctx: Pick<RequestContext, 'resource' | 'query' | 'req'>,
  options: { subresource?: string; submitted?: () => unknown } = {},
): (next: KObject, current: KObject | undefined) => void {
  const manager = fieldManagerOf(ctx.query, ctx.req.headers['user-agent'], false);
  const r = ctx.resource;
  const shape = shapeOf(ctx);
  return (next, current) => {
    const base = baseManagers(options.submitted?.(), current, options.subresource);
    const managers = recordUpdate(base, current, next, {
      manager,
      apiVersion: apiVersionOf(r),
      subresource: options.subresource,
      hasStatus: r.hasStatus,
      shape,
      now: new Date(),
    });
    const encoded = encodeManagedFields(managers);
    next.metadata ??= {};
    if (encoded) next.metadata.managedFields = encoded;
    else delete next.metadata.managedFields;
  };
}
