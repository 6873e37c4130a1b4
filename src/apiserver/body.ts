/**
 * Reading and decoding request bodies: at most 3 MiB (413 past it, as upstream), JSON,
 * YAML or Kubernetes protobuf by Content-Type (415 otherwise), malformed input as 400, and
 * the fieldValidation directive (Strict → 400 on unknown or duplicate fields, Warn → Warning headers, Ignore).
 */
import type { IncomingMessage } from 'node:http';
import type { ResourceInfo } from '../api/resource.ts';
import { typeByName, typeForKind } from '../api/schema/index.ts';
import { findTypeErrors } from '../api/schema/type-errors.ts';
import { findUnknownFields } from '../api/schema/unknown-fields.ts';
import { badRequest, requestEntityTooLarge, StatusError, unsupportedMediaType } from './errors.ts';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from './protobuf/index.ts';
import { parseJsonStrict, parseYamlStrict, strictDecodingMessage } from './strict-json.ts';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw requestEntityTooLarge(limit);
  }
  // Events, not `for await`: an async iterator per request (its listeners, abort signal and
  // promise per chunk) cost more than the rest of reading a small body.
  if (req.readableEnded) return Buffer.alloc(0);
  if (req.destroyed) throw new Error('the request was closed before its body was complete');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done(requestEntityTooLarge(limit));
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('the request was closed before its body was complete'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}. Supported values are: Ignore, Warn, Strict`);
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Parses a JSON, YAML or Kubernetes protobuf body into a value, reporting duplicate fields. */
export function parseBody(buf: Buffer, contentType: string | undefined, accepted: string[]): { value: unknown; duplicateFields: string[] } {
  const type = mediaType(contentType) || 'application/json';
  if (!accepted.includes(type)) throw unsupportedMediaType(type);
  if (buf.length === 0) throw badRequest('the request body is empty: send the object as JSON or YAML');
  // Protobuf has no duplicate fields to report: a repeated singular field keeps its last value, as upstream.
  if (type === PROTOBUF_CONTENT_TYPE) return { value: decodeProtobufObject(buf).object, duplicateFields: [] };
  const text = buf.toString('utf8');
  try {
    if (type === 'application/yaml' || type === 'application/apply-patch+yaml') return parseYamlStrict(text);
    return parseJsonStrict(text);
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw badRequest(`error decoding ${type === 'application/yaml' ? 'YAML' : 'JSON'} body: ${(err as Error).message}`);
  }
}

export const OBJECT_CONTENT_TYPES = ['application/json', 'application/yaml', PROTOBUF_CONTENT_TYPE];

/**
 * Decodes an object body for `r` (create, update): checks apiVersion/kind against the
 * endpoint, applies fieldValidation, returns the object and any warnings to send.
 */
export function decodeObject(
  buf: Buffer,
  contentType: string | undefined,
  r: ResourceInfo,
  expected: { apiVersion: string; kind: string },
  validation: FieldValidation,
): { object: Record<string, unknown>; warnings: string[] } {
  const { value, duplicateFields } = parseBody(buf, contentType, OBJECT_CONTENT_TYPES);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`the body of the request must be a ${expected.kind} object`);
  }
  const obj = value as Record<string, unknown>;
  const what = `${expected.kind} in version "${expected.apiVersion.split('/').pop()}" cannot be handled as a ${expected.kind}`;
  if (obj.apiVersion !== undefined && obj.apiVersion !== expected.apiVersion) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected.apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== expected.kind) {
    throw badRequest(`${what}: the kind in the data (${String(obj.kind)}) does not match the expected kind (${expected.kind})`);
  }
  const [group, version] = expected.apiVersion.includes('/') ? expected.apiVersion.split('/') : ['', expected.apiVersion];
  checkTypes(obj, { group, version, kind: expected.kind }, what);
  const warnings = checkFields(obj, r, expected.kind, duplicateFields, validation, what);
  return { object: obj, warnings };
}

/** Refuses a value of the wrong JSON type with 400, whatever fieldValidation says, as upstream's decoding does. */
export function checkTypes(obj: Record<string, unknown>, gvk: { group: string; version: string; kind: string }, what: string): void {
  const schema = typeForKind(gvk.group, gvk.version, gvk.kind);
  const error = schema && findTypeErrors(schema, obj, typeByName);
  if (error) throw badRequest(`${what}: ${error}`);
}

/** Applies fieldValidation to unknown and duplicate fields of a decoded object. */
export function checkFields(
  obj: Record<string, unknown>,
  r: ResourceInfo,
  kind: string,
  duplicateFields: string[],
  validation: FieldValidation,
  what: string,
): string[] {
  if (validation === 'Ignore') return [];
  const schema = typeForKind(r.group, r.version, kind);
  const unknown = schema ? findUnknownFields(schema, obj) : [];
  if (unknown.length === 0 && duplicateFields.length === 0) return [];
  if (validation === 'Strict') throw badRequest(`${what}: ${strictDecodingMessage(unknown, duplicateFields)}`);
  return [...unknown.map((f) => `unknown field "${f}"`), ...duplicateFields.map((f) => `duplicate field "${f}"`)];
}
