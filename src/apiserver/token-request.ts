/**
 * POST serviceaccounts/<name>/token (TokenRequest, `kubectl create token`): a signed token for
 * an existing service account, for the audiences asked (the API server's by default), valid
 * for expirationSeconds (an hour by default, ten minutes at least).
 */
import { fieldError, type FieldError } from '../api/field-error.ts';
import { formatTime } from '../api/time.ts';
import { API_AUDIENCE } from './auth/service-account-tokens.ts';
import { decodeObject, fieldValidationOf, readBody } from './body.ts';
import { writeBody, type RequestContext } from './context.ts';
import { invalid, methodNotAllowed, notFound } from './errors.ts';
import { representation } from './handlers/read.ts';
import { dryRunOf } from './handlers/write.ts';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

function validateSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const seconds = spec.expirationSeconds;
  if (seconds < MIN_EXPIRATION_SECONDS) errs.push(fieldError.invalid('spec.expirationSeconds', seconds, 'may not specify a duration less than 10 minutes'));
  if (seconds > MAX_EXPIRATION_SECONDS) errs.push(fieldError.invalid('spec.expirationSeconds', seconds, 'may not specify a duration larger than 2^32 seconds'));
  const ref = spec.boundObjectRef;
  if (ref && !['Pod', 'Secret', 'Node'].includes(ref.kind)) errs.push(fieldError.notSupported('spec.boundObjectRef.kind', ref.kind ?? '', ['Pod', 'Secret', 'Node']));
  return errs;
}

export async function handleTokenRequest(ctx: RequestContext): Promise<void> {
  if (ctx.req.method !== 'POST') throw methodNotAllowed();
  const issuer = ctx.parts.serviceAccountTokens;
  const r = ctx.resource;
  const { namespace, name } = ctx.info;
  if (!issuer) throw notFound({ group: r.group, resource: `${r.plural}/token`, name });
  const rep = representation(ctx, false);
  const body = await readBody(ctx.req);
  const expected = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' };
  const { object, warnings } = decodeObject(body, ctx.req.headers['content-type'], r, expected, fieldValidationOf(ctx.query));
  ctx.warnings.push(...warnings);
  const account = await ctx.parts.registry.get(r, namespace, name);
  const spec: any = { ...(object.spec as object) };
  if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [API_AUDIENCE];
  spec.expirationSeconds ??= DEFAULT_EXPIRATION_SECONDS;
  const errors = validateSpec(spec);
  if (errors.length) throw invalid('TokenRequest', 'authentication.k8s.io', name, errors);
  const now = new Date();
  const status = dryRunOf(ctx.query)
    ? { token: '', expirationTimestamp: formatTime(now.getTime() + spec.expirationSeconds * 1000) }
    : issuer.issue(
        {
          namespace,
          serviceAccount: { name, uid: account.metadata.uid },
          audiences: spec.audiences,
          expirationSeconds: spec.expirationSeconds,
          boundObject: spec.boundObjectRef,
        },
        now,
      );
  const out = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: formatTime(now) },
    spec,
    status,
  };
  writeBody(ctx, 201, out, rep);
}
