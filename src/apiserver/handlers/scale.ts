/**
 * The scale subresource (autoscaling/v1 Scale) of replicationcontrollers, replicasets,
 * deployments and statefulsets: GET reads spec.replicas and the selector, PUT and PATCH write
 * spec.replicas of the parent, with the Scale's resourceVersion as a precondition.
 */
import { decodeObject, fieldValidationOf, readBody } from '../body.ts';
import { badRequest, conflict } from '../errors.ts';
import type { KObject } from '../registry/object-store.ts';
import { cloneJson } from '../patch/json-value.ts';
import { writeBody, type RequestContext } from '../context.ts';
import { representation } from './read.ts';
import { dryRunOf, readPatch } from './write.ts';
import { trackUpdate } from '../managed-fields-request.ts';

/** The selector of a scalable object as a label selector string. */
export function selectorString(obj: KObject): string {
  const sel = obj.spec?.selector;
  if (!sel) return '';
  if (obj.kind === 'ReplicationController') {
    return Object.entries(sel as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  }
  const parts: string[] = Object.entries((sel.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export function scaleOf(obj: KObject): KObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj) },
  };
}

export async function handleScale(ctx: RequestContext): Promise<void> {
  const rep = representation(ctx, false);
  const { registry } = ctx.parts;
  const r = ctx.resource;
  const { namespace, name } = ctx.info;
  const method = ctx.req.method ?? 'GET';
  if (method === 'GET') {
    writeBody(ctx, 200, scaleOf(await registry.get(r, namespace, name)), rep);
    return;
  }
  const dryRun = dryRunOf(ctx.query);
  let newScale: (current: KObject) => KObject;
  if (method === 'PUT') {
    const body = await readBody(ctx.req);
    const { object } = decodeObject(body, ctx.req.headers['content-type'], r, { apiVersion: 'autoscaling/v1', kind: 'Scale' }, fieldValidationOf(ctx.query));
    newScale = () => object as KObject;
  } else if (method === 'PATCH') {
    const patchFn = await readPatch(ctx, 'autoscaling', 'v1', 'Scale');
    newScale = (current) => patchFn(scaleOf(current));
  } else {
    throw badRequest(`method ${method} is not supported on ${r.plural}/scale`);
  }
  const stored = await registry.patch(r, namespace, name, (current) => {
    const scale = newScale(current);
    const replicas = scale.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw badRequest(`Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
    }
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) {
      throw conflict({ group: r.group, resource: r.plural, name }, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const next = cloneJson(current);
    next.spec = { ...next.spec, replicas };
    return next;
  }, { dryRun, manageFields: trackUpdate(ctx, { subresource: 'scale' }) });
  writeBody(ctx, 200, scaleOf(stored), rep);
}
