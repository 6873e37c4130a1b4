/**
 * Recognises the refusal of a create in a namespace being deleted. Controllers that create
 * objects for other objects (Endpoints, EndpointSlices) treat it as the end of the story: the
 * namespace controller is about to delete what they would have created it for.
 */
import { ApiError } from '../client/index.ts';

export function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.code !== 403) return false;
  // Upstream marks it with a NamespaceTerminating cause; the message says it too.
  const causes = err.status.details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test(err.message);
}
