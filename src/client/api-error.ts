/**
 * Failures the API server reports, as the client sees them: an {@link ApiError} carries the
 * server's `Status` (code, reason, message) so callers branch on the reason, as client-go's
 * `apierrors.IsNotFound` and friends do.
 */
import type { Status } from '../apiserver/errors.ts';

export class ApiError extends Error {
  /** The Status the server sent, or one made up from the HTTP status when the body had none. */
  readonly status: Status;

  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message || `the server responded with HTTP ${status.code}`, options);
    this.name = 'ApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** The error for a response with HTTP status `code` whose body is `body` (a Status, or anything else). */
export function apiErrorFrom(code: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') {
    const s = body as Status;
    return new ApiError({ ...s, code: s.code || code });
  }
  const text = typeof body === 'string' ? body.trim() : '';
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason: reasonForCode(code),
    message: text || `the server responded with HTTP ${code}`,
  });
}

/** Upstream's reason for a bare HTTP status (what client-go infers when the body is no Status). */
function reasonForCode(code: number): string {
  switch (code) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 405: return 'MethodNotAllowed';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 415: return 'UnsupportedMediaType';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    case 500: return 'InternalError';
    case 503: return 'ServiceUnavailable';
    case 504: return 'Timeout';
    default: return 'Unknown';
  }
}

function hasReason(err: unknown, reason: string): boolean {
  return err instanceof ApiError && err.reason === reason;
}

export function isNotFound(err: unknown): boolean {
  return hasReason(err, 'NotFound');
}

/** An update whose resourceVersion was stale (409 Conflict). */
export function isConflict(err: unknown): boolean {
  return hasReason(err, 'Conflict');
}

export function isAlreadyExists(err: unknown): boolean {
  return hasReason(err, 'AlreadyExists');
}

export function isInvalid(err: unknown): boolean {
  return hasReason(err, 'Invalid');
}

/** A resourceVersion too old to list or watch from (410 Expired or Gone): relist. */
export function isResourceExpired(err: unknown): boolean {
  return err instanceof ApiError && err.code === 410;
}
