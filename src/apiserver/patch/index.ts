/**
 * The PATCH verb's patch formats: JSON patch, JSON merge patch and strategic merge patch, each
 * a pure function from (object, patch) to the patched object, and the dispatch on the
 * request's Content-Type. Server-side apply is apply.ts, reached through apply-handler.ts
 * because it needs the object's ownership, not only the object.
 */
import type { TypeSchema } from '../../api/schema/types.ts';
import { StatusError } from '../errors.ts';
import { unsupportedPatchType } from './errors.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch, type TypeLookup } from './strategic-merge-patch.ts';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.ts';
export { applyMergePatch } from './merge-patch.ts';
export { applyStrategicMergePatch, type TypeLookup } from './strategic-merge-patch.ts';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
/** Server-side apply; served by apply-handler.ts, refused here (the scale subresource) with a clear answer. */
export const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * The patch types a resource accepts, for discovery, OpenAPI and 415 answers: strategic merge
 * patch needs a schema, so kinds without one (custom resources, as upstream) take only the
 * JSON formats.
 */
export function supportedPatchTypes(type: TypeSchema | undefined): string[] {
  return type ? [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH] : [JSON_PATCH, MERGE_PATCH];
}

/**
 * Applies `patchBody` (already decoded from JSON) to `original` by the format `contentType`
 * names (parameters such as "; charset=utf-8" are ignored). Neither argument is changed.
 * @param type the schema of `original`'s kind; undefined when it has none.
 * @param lookup resolves the named types `type` refers to (the schema module's `typeByName`).
 * @throws StatusError 415 UnsupportedMediaType for a format this resource does not take,
 *   otherwise the format's own errors (400, 413, 422).
 */
export function applyPatch(
  contentType: string,
  original: unknown,
  patchBody: unknown,
  type: TypeSchema | undefined,
  lookup: TypeLookup,
): unknown {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  switch (mediaType) {
    case JSON_PATCH:
      return applyJsonPatch(original, patchBody);
    case MERGE_PATCH:
      return applyMergePatch(original, patchBody);
    case STRATEGIC_MERGE_PATCH:
      if (!type) throw unsupportedPatchType(supportedPatchTypes(type));
      return applyStrategicMergePatch(original, patchBody, type, lookup);
    case APPLY_PATCH:
      throw new StatusError(415, 'UnsupportedMediaType', `server-side apply (${APPLY_PATCH}) is not supported on this subresource; use another patch type: ${supportedPatchTypes(type).join(', ')}`);
    default:
      throw unsupportedPatchType(supportedPatchTypes(type));
  }
}
