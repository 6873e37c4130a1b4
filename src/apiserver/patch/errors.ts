/**
 * The Status errors a patch can end in, worded as upstream's API server words them.
 */
import { StatusError } from '../errors.ts';

/**
 * 422 for a well-formed patch that does not apply to the object (a missing path, a failed
 * `test`). Upstream answers these with a generic message and puts the real reason in the one
 * cause, of type UnexpectedServerResponse; clients print both.
 */
export function patchDoesNotApply(reason: string): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message: reason }],
  });
}

/** 415 naming the patch types this resource accepts, as upstream's content negotiation does. */
export function unsupportedPatchType(accepted: readonly string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}
