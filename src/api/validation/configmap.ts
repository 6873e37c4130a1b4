/**
 * ConfigMaps: keys in data and binaryData are config keys and unique across both, the
 * total is at most 1 MiB, and once `immutable: true` the content is frozen.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { semanticEqual, tooLong } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isConfigMapKey } from './names.ts';

/** ConfigMaps and Secrets may hold at most 1 MiB. */
export const MAX_CONFIG_SIZE = 1024 * 1024;
export const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

export function validateConfigMap(cm: any): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true, name: nameIsDNSSubdomain });
  const data: Record<string, unknown> = cm.data ?? {};
  const binary: Record<string, unknown> = cm.binaryData ?? {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldError.invalid(`data[${key}]`, key, m));
    if (Object.hasOwn(binary, key)) errs.push(fieldError.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(String(value ?? ''));
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldError.invalid(`binaryData[${key}]`, key, m));
    if (Object.hasOwn(data, key)) errs.push(fieldError.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'));
    size += Buffer.from(String(value ?? ''), 'base64').length;
  }
  if (size > MAX_CONFIG_SIZE) errs.push(tooLong('', MAX_CONFIG_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(fieldError.forbidden('immutable', IMMUTABLE_WHEN_SET));
    if (!semanticEqual(cm.data, old.data)) errs.push(fieldError.forbidden('data', IMMUTABLE_WHEN_SET));
    if (!semanticEqual(cm.binaryData, old.binaryData)) errs.push(fieldError.forbidden('binaryData', IMMUTABLE_WHEN_SET));
  }
  return [...errs, ...validateConfigMap(cm).filter((e) => !e.field.startsWith('metadata.'))];
}
