/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`): the patch is a partial object;
 * objects merge key by key, a null deletes, anything else (lists included) replaces.
 */
import { badRequest } from '../errors.ts';
import { cloneJson, isJsonObject, memberOf, setMember, withoutNulls, type JsonObject } from './json-value.ts';

/**
 * Applies a merge patch to `doc` and returns the result; `doc` itself is left unchanged.
 * Values taken whole from the patch lose their null members, as upstream's do, so a null
 * never ends up stored as a field.
 * @throws StatusError 400 BadRequest ("Invalid JSON Patch", upstream's words) when the patch
 *   is not an object: an API object cannot be replaced by a list or a scalar.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) throw badRequest('Invalid JSON Patch');
  return mergeInto(isJsonObject(doc) ? cloneJson(doc) : {}, patch);
}

/** Merges `patch` into `out`, a copy the caller owns, changing it; returns it. */
function mergeInto(out: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isJsonObject(value)) {
      const current = memberOf(out, key);
      setMember(out, key, mergeInto(isJsonObject(current) ? current : {}, value));
    } else {
      setMember(out, key, withoutNulls(value));
    }
  }
  return out;
}
