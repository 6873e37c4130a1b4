/**
 * Secrets: keys are config keys, at most 1 MiB decoded, and each well-known type carries the
 * keys it promises (kubernetes.io/tls: tls.crt and tls.key, dockerconfigjson: valid JSON, ...).
 * The type, and the content of an immutable Secret, cannot change.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, semanticEqual, tooLong } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isConfigMapKey } from './names.ts';
import { IMMUTABLE_WHEN_SET, MAX_CONFIG_SIZE } from './configmap.ts';

function decoded(v: unknown): Buffer {
  return Buffer.from(String(v ?? ''), 'base64');
}

/** `<secret contents redacted>` keeps a bad secret out of the error message. */
function validateJSONKey(data: Record<string, unknown>, key: string): FieldError[] {
  if (!Object.hasOwn(data, key)) return [fieldError.required(`data[${key}]`, '')];
  try {
    const v = JSON.parse(decoded(data[key]).toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
    return [];
  } catch (e) {
    return [fieldError.invalid(`data[${key}]`, '<secret contents redacted>', (e as Error).message)];
  }
}

function validateSecretContent(secret: any): FieldError[] {
  const errs: FieldError[] = [];
  const data: Record<string, unknown> = secret.data ?? {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldError.invalid(`data[${key}]`, key, m));
    size += decoded(value).length;
  }
  if (size > MAX_CONFIG_SIZE) errs.push(tooLong('data', MAX_CONFIG_SIZE));
  const has = (k: string) => Object.hasOwn(data, k);
  switch (secret.type ?? '') {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldError.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...validateJSONKey(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateJSONKey(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(fieldError.required('data[username]', ''), fieldError.required('data[password]', ''));
      break;
    case 'kubernetes.io/ssh-auth':
      if (decoded(data['ssh-privatekey']).length === 0) errs.push(fieldError.required('data[ssh-privatekey]', ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fieldError.required('data[tls.crt]', ''));
      if (!has('tls.key')) errs.push(fieldError.required('data[tls.key]', ''));
      break;
  }
  return errs;
}

export function validateSecret(secret: any): FieldError[] {
  return [...validateObjectMeta(secret.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateSecretContent(secret)];
}

export function validateSecretUpdate(secret: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(secret.metadata, old.metadata);
  errs.push(...immutable(secret.type, old.type, 'type'));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(fieldError.forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!semanticEqual(secret.data, old.data)) errs.push(fieldError.forbidden('data', IMMUTABLE_WHEN_SET));
  }
  return [...errs, ...validateSecretContent(secret)];
}
