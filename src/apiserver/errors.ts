/**
 * API errors as Kubernetes `Status` objects. Every failure a client can see is a
 * {@link StatusError}; the HTTP layer writes `toStatus()` with `code` as the HTTP status.
 */
import type { FieldError } from '../api/field-error.ts';
import { formatFieldError } from '../api/field-error.ts';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failure with its HTTP code and upstream reason. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** Identifies the object an error is about: `group` is '' for core, `kind` is the plural resource. */
export interface ErrorSubject {
  group: string;
  /** The resource's plural name (upstream puts it in details.kind), e.g. "pods". */
  resource: string;
  name?: string;
}

function qualified(s: ErrorSubject): string {
  return s.group ? `${s.resource}.${s.group}` : s.resource;
}

function subjectDetails(s: ErrorSubject): StatusDetails {
  const d: StatusDetails = { kind: s.resource };
  if (s.name !== undefined) d.name = s.name;
  if (s.group) d.group = s.group;
  return d;
}

/** 404: `pods "x" not found`. */
export function notFound(s: ErrorSubject): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(s)} "${s.name ?? ''}" not found`, subjectDetails(s));
}

/** 409: `pods "x" already exists`. */
export function alreadyExists(s: ErrorSubject): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(s)} "${s.name ?? ''}" already exists`, subjectDetails(s));
}

/** 409: an update raced with another write. */
export function conflict(s: ErrorSubject, why: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(s)} "${s.name ?? ''}": ${why}`,
    subjectDetails(s),
  );
}

/** 422: `Pod "x" is invalid: [a: Required value, b: Invalid value: ...]`, each cause listed. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
  const lines = errors.map((e) => formatFieldError(e));
  const summary = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const details: StatusDetails = {
    name,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: formatFieldError(e, { withField: false }), field: e.field })),
  };
  if (group) details.group = group;
  const what = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${what} "${name}" is invalid: ${summary}`, details);
}

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function unauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError(401, 'Unauthorized', message);
}

export function forbidden(message: string, s?: ErrorSubject): StatusError {
  return new StatusError(403, 'Forbidden', message, s ? subjectDetails(s) : undefined);
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): StatusError {
  return new StatusError(405, 'MethodNotAllowed', message);
}

/** 404 for a path the server does not serve at all. */
export function pathNotFound(message = 'the server could not find the requested resource'): StatusError {
  return new StatusError(404, 'NotFound', message, {});
}

export function expired(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Gone', message);
}

export function unsupportedMediaType(contentType: string): StatusError {
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
}

export function notAcceptable(message: string): StatusError {
  return new StatusError(406, 'NotAcceptable', message);
}

export function requestEntityTooLarge(limitBytes: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, { cause: err });
}

export function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}

export function timeout(message: string): StatusError {
  return new StatusError(504, 'Timeout', message);
}
