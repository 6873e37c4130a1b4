/**
 * Read-modify-write of one object against the API (client-go's RetryOnConflict around a
 * GET and an UPDATE): the change is applied to the object as the server has it now, and made
 * again if someone else wrote in between. The object must still be the one meant (same uid):
 * a namesake created since is left alone.
 */
import { isConflict, isNotFound, type KubeObject, type ResourceRef, type RestClient } from '../client/index.ts';

/**
 * Applies `change` (which edits its argument and returns false when nothing needs changing)
 * to `namespace/name` and PUTs it. Resolves to the stored object, or undefined when the object
 * is gone, is another one (uid), or needed no change.
 */
export async function updateWithRetry<T extends KubeObject>(
  client: Pick<RestClient, 'get' | 'update'>,
  r: ResourceRef,
  target: { namespace?: string; name: string; uid?: string },
  change: (obj: T) => boolean,
  attempts = 5,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    let current: T;
    try {
      current = await client.get<T>(r, r.namespaced ? target.namespace : undefined, target.name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (target.uid && current.metadata?.uid !== target.uid) return undefined;
    if (!change(current)) return undefined;
    try {
      return await client.update<T>(r, current);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err) || attempt >= attempts) throw err;
    }
  }
}
