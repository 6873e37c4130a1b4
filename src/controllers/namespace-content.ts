/**
 * One pass of emptying a namespace being deleted (upstream's NamespacedResourcesDeleter): for
 * every namespaced resource of the catalogue that can be listed and deleted, list what is left
 * in the namespace and delete it (background propagation, so dependents go too), then report
 * what is still there, which finalizers hold it, and how long pods still terminating may take.
 * Safe to repeat: deleting what is already being deleted changes nothing.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { catalogue } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { isNotFound, type KubeObject, type RestClient } from '../client/index.ts';
import type { DeletionOutcome } from './namespace-conditions.ts';

/** Namespaced resources that can be listed and deleted: what a namespace's deletion removes. */
export const deletableResources: readonly ResourceInfo[] = catalogue.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));

export interface ContentPass extends DeletionOutcome {
  /** Seconds the slowest terminating pod may still take (0: nothing is waiting on a grace period). */
  estimateSeconds: number;
}

export async function deleteNamespaceContent(
  client: Pick<RestClient, 'list' | 'delete'>,
  namespace: string,
  resources: readonly ResourceInfo[] = deletableResources,
): Promise<ContentPass> {
  const pass: ContentPass = { errors: [], remaining: new Map(), finalizers: new Map(), estimateSeconds: 0 };
  for (const r of resources) {
    const what = r.group ? `${r.plural}.${r.group}` : `${r.plural}.`;
    let left: KubeObject[];
    try {
      left = (await client.list<KubeObject>(r, namespace)).items;
      for (const obj of left) {
        if (obj.metadata?.deletionTimestamp) continue;
        try {
          await client.delete(r, namespace, obj.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata?.uid } });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      left = (await client.list<KubeObject>(r, namespace)).items;
    } catch (err) {
      pass.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (left.length === 0) continue;
    pass.remaining.set(what, left.length);
    for (const obj of left) {
      for (const f of obj.metadata?.finalizers ?? []) pass.finalizers.set(f, (pass.finalizers.get(f) ?? 0) + 1);
    }
    if (r.group === '' && r.plural === 'pods') pass.estimateSeconds = Math.max(pass.estimateSeconds, gracefulTerminationEstimate(left as Pod[]));
  }
  return pass;
}

/** The longest grace period among pods still running down (finished pods have none left). */
function gracefulTerminationEstimate(pods: Pod[]): number {
  let estimate = 0;
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
    estimate = Math.max(estimate, grace);
  }
  return estimate;
}
