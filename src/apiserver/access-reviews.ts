/**
 * `kubectl auth can-i`: SelfSubjectAccessReview ("may I do this?") and SelfSubjectRulesReview
 * ("what may I do in this namespace?"), answered for the caller. Skiff does not enforce RBAC —
 * every authenticated request is allowed — so the answers say exactly that: allowed, and every
 * verb on every resource, with a reason naming why.
 */
import { apiVersionOf } from '../api/resource.ts';
import { fieldError } from '../api/field-error.ts';
import { formatTime } from '../api/time.ts';
import { decodeObject, fieldValidationOf, readBody } from './body.ts';
import { writeBody, type RequestContext } from './context.ts';
import { invalid } from './errors.ts';
import { representation } from './handlers/read.ts';
import type { KObject } from './registry/object-store.ts';

export const ALLOW_ALL_REASON = 'Skiff does not enforce RBAC: every authenticated request is allowed';

async function readReview(ctx: RequestContext): Promise<KObject> {
  const body = await readBody(ctx.req);
  const expected = { apiVersion: apiVersionOf(ctx.resource), kind: ctx.resource.kind };
  const { object, warnings } = decodeObject(body, ctx.req.headers['content-type'], ctx.resource, expected, fieldValidationOf(ctx.query));
  ctx.warnings.push(...warnings);
  return object as KObject;
}

function answer(ctx: RequestContext, review: KObject, status: KObject): void {
  const rep = representation(ctx, false);
  const out = {
    kind: ctx.resource.kind,
    apiVersion: apiVersionOf(ctx.resource),
    metadata: { ...(review.metadata ?? {}), creationTimestamp: formatTime(new Date()) },
    spec: review.spec ?? {},
    status,
  };
  writeBody(ctx, 201, out, rep);
}

/** POST selfsubjectaccessreviews: exactly one of resourceAttributes and nonResourceAttributes. */
export async function handleSelfSubjectAccessReview(ctx: RequestContext): Promise<void> {
  const review = await readReview(ctx);
  const spec = review.spec ?? {};
  if (!spec.resourceAttributes === !spec.nonResourceAttributes) {
    const field = spec.resourceAttributes ? 'spec.resourceAttributes' : 'spec.nonResourceAttributes';
    throw invalid(ctx.resource.kind, ctx.resource.group, '', [
      fieldError.invalid(field, spec.resourceAttributes ?? spec.nonResourceAttributes ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
    ]);
  }
  answer(ctx, review, { allowed: true, reason: ALLOW_ALL_REASON });
}

/** POST selfsubjectrulesreviews: every verb on every resource and URL. */
export async function handleSelfSubjectRulesReview(ctx: RequestContext): Promise<void> {
  const review = await readReview(ctx);
  answer(ctx, review, {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
    evaluationError: ALLOW_ALL_REASON,
  });
}
