/**
 * Pod subresources the API server answers itself: binding (the scheduler's write of
 * spec.nodeName, also POST /bindings), eviction (a delete that respects
 * PodDisruptionBudgets), and the streaming ones (log, exec, attach, portforward) that the node
 * agent serves, relayed to it by pod-streaming.ts.
 */
import { findResource } from '../../api/catalogue.ts';
import { selectorFromLabelSelector } from '../../api/labels.ts';
import { decodeObject, fieldValidationOf, readBody } from '../body.ts';
import { badRequest, conflict, StatusError } from '../errors.ts';
import { formatTime } from '../../api/time.ts';
import type { KObject } from '../registry/object-store.ts';
import { successStatus, writeJson, type RequestContext } from '../context.ts';
import { dryRunOf } from './write.ts';

function pods() {
  const r = findResource('', 'v1', 'pods');
  if (!r) throw new Error('pods missing from the catalogue');
  return r;
}

/** Binds pod `name` to the node named in `binding.target`. */
export async function bindPod(ctx: RequestContext, name: string, binding: KObject): Promise<void> {
  const target = binding.target ?? {};
  if (!target.name) throw badRequest('Binding.target.name is required: name the node to bind to');
  if (target.kind && target.kind !== 'Node') throw badRequest(`Binding.target.kind must be Node, not ${target.kind}`);
  const podsR = pods();
  await ctx.parts.registry.mutate(podsR, ctx.info.namespace, name, (pod) => {
    if (pod.metadata.deletionTimestamp) throw conflict({ group: '', resource: 'pods', name }, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (pod.spec?.nodeName) throw conflict({ group: '', resource: 'pods', name }, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
      throw conflict({ group: '', resource: 'pods', name }, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    pod.spec.nodeName = target.name;
    const conditions: KObject[] = (pod.status.conditions ??= []);
    const now = formatTime(new Date());
    const existing = conditions.find((c) => c.type === 'PodScheduled');
    if (existing) Object.assign(existing, { status: 'True', lastTransitionTime: now, reason: undefined, message: undefined });
    else conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return pod;
  }, { dryRun: dryRunOf(ctx.query) });
  writeJson(ctx.res, 201, successStatus({}));
}

export async function handleBinding(ctx: RequestContext): Promise<void> {
  const body = await readBody(ctx.req);
  const { object } = decodeObject(body, ctx.req.headers['content-type'], ctx.resource, { apiVersion: 'v1', kind: 'Binding' }, fieldValidationOf(ctx.query));
  const name = ctx.info.subresource === 'binding' ? ctx.info.name : (object.metadata as KObject | undefined)?.name;
  if (!name) throw badRequest('Binding.metadata.name is required: name the pod to bind');
  await bindPod(ctx, name, object as KObject);
}

/** Whether a disruption budget lets one more pod go, and the error if not. */
function budgetRefusal(pdb: KObject): StatusError | undefined {
  const name = pdb.metadata.name;
  if ((pdb.status?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0) || pdb.status?.disruptionsAllowed === undefined) {
    return tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  }
  if (pdb.status.disruptionsAllowed <= 0) {
    return tooManyRequests(`The disruption budget ${name} needs ${pdb.status.desiredHealthy} healthy pods and has ${pdb.status.currentHealthy} currently`);
  }
  return undefined;
}

/**
 * Upstream's refusal: the budget's detail goes in a cause, and no Retry-After, since client-go
 * would otherwise retry the request itself and keep `kubectl drain` past its --timeout.
 */
function tooManyRequests(cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

export async function handleEviction(ctx: RequestContext): Promise<void> {
  const body = await readBody(ctx.req);
  const { object } = decodeObject(body, ctx.req.headers['content-type'], ctx.resource, { apiVersion: 'policy/v1', kind: 'Eviction' }, fieldValidationOf(ctx.query));
  const eviction = object as KObject;
  if (eviction.metadata?.name && eviction.metadata.name !== ctx.info.name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const podsR = pods();
  const pod = await ctx.parts.registry.get(podsR, ctx.info.namespace, ctx.info.name);
  const phase = pod.status?.phase;
  // A finished or already-deleting pod disrupts nothing: budgets do not apply.
  if (phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp) {
    const pdbR = findResource('policy', 'v1', 'poddisruptionbudgets');
    if (pdbR) {
      const { items } = await ctx.parts.objects.list(pdbR, ctx.info.namespace, {});
      const matching = items.filter((pdb) => pdb.spec?.selector && selectorFromLabelSelector(pdb.spec.selector).matches(pod.metadata.labels ?? {}));
      if (matching.length > 1) throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      if (matching.length === 1) {
        // Spend one of the budget's disruptions (CAS on the budget), so that concurrent
        // evictions cannot together take more than it allows; the pod is recorded in
        // disruptedPods for the disruption controller, as upstream does.
        await ctx.parts.registry.mutate(pdbR, ctx.info.namespace, matching[0].metadata.name, (pdb) => {
          const refusal = budgetRefusal(pdb);
          if (refusal) throw refusal;
          pdb.status.disruptionsAllowed -= 1;
          (pdb.status.disruptedPods ??= {})[ctx.info.name] = formatTime(new Date());
          return pdb;
        }, { dryRun: dryRunOf(ctx.query) || (eviction.deleteOptions?.dryRun ?? []).length > 0 });
      }
    }
  }
  const opts = eviction.deleteOptions ?? {};
  await ctx.parts.registry.delete(podsR, ctx.info.namespace, ctx.info.name, {
    gracePeriodSeconds: opts.gracePeriodSeconds,
    preconditions: opts.preconditions,
    dryRun: dryRunOf(ctx.query) || (opts.dryRun ?? []).length > 0,
  });
  writeJson(ctx.res, 201, successStatus({}));
}

/** log, exec, attach, portforward: relayed to the pod's kubelet (pod-streaming.ts). */
export { handleStreaming } from './pod-streaming.ts';
