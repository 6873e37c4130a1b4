/**
 * The disruption controller: keeps the status of every policy/v1 PodDisruptionBudget current
 * (expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed and the DisruptionAllowed
 * condition), which is what the eviction subresource spends. Keys on the queue are budget
 * keys; a pod change queues the budgets of its namespace that select its old or new labels.
 *
 * A budget stated as a percentage, or by maxUnavailable, is measured against the scale of the
 * pods' controllers (a ReplicaSet owned by a Deployment counts as its Deployment), read through
 * the scale subresource; a selected pod without a controller makes that impossible and the
 * budget fails safe (no disruptions, condition reason SyncFailed). Evictions recorded in
 * status.disruptedPods are dropped once their pod is being deleted, or after two minutes if it
 * never is; the budget is synced again then.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { findByKind, findResource } from '../api/catalogue.ts';
import { selectorFromLabelSelector } from '../api/labels.ts';
import { isConflict, isNotFound, keyOf, NAMESPACE_INDEX, runReconciler, splitKey, WorkQueue, type Result, type RestClient } from '../client/index.ts';
import type { ControllerConstructor } from './controller.ts';
import { controllerRefOf } from './controller-ref.ts';
import { budgetStatus, countHealthy, expectedAndDesired, failedStatus, InvalidIntOrPercentError, needsScale, podsOfBudget, pruneDisruptedPods } from './disruption-plan.ts';

const pdbResource = findResource('policy', 'v1', 'poddisruptionbudgets')!;
const podsResource = findResource('', 'v1', 'pods')!;
const replicaSetsResource = findResource('apps', 'v1', 'replicasets')!;

/** A budget whose expected pod count cannot be worked out (e.g. a selected pod has no controller). */
export class ExpectedPodCountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectedPodCountError';
  }
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/**
 * The summed spec.replicas of the controllers of `pods`, each counted once. A ReplicaSet that
 * a Deployment controls counts as that Deployment, as upstream's finders do.
 */
async function controllersScale(client: RestClient, namespace: string, pods: Pod[]): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  for (const pod of pods) {
    let ref = controllerRefOf(pod);
    if (!ref) throw new ExpectedPodCountError(`found no controllers for pod "${pod.metadata?.name}"`);
    if (groupOf(ref.apiVersion) === 'apps' && ref.kind === 'ReplicaSet') {
      const rs = await client.get(replicaSetsResource, namespace, ref.name).catch((err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      const owner = rs && rs.metadata?.uid === ref.uid ? controllerRefOf(rs) : undefined;
      if (owner && groupOf(owner.apiVersion) === 'apps' && owner.kind === 'Deployment') ref = owner;
    }
    if (seen.has(ref.uid)) continue;
    seen.add(ref.uid);
    const resource = findByKind(groupOf(ref.apiVersion), ref.kind);
    if (!resource?.subresources?.includes('scale')) throw new ExpectedPodCountError(`found no controllers for pod "${pod.metadata?.name}"`);
    const scale = await client.getScale(resource, namespace, ref.name).catch((err) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!scale || (scale.metadata?.uid && scale.metadata.uid !== ref.uid)) {
      throw new ExpectedPodCountError(`found no controllers for pod "${pod.metadata?.name}"`);
    }
    total += scale.spec?.replicas ?? 0;
  }
  return total;
}

export const disruptionController: ControllerConstructor = (ctx) => {
  const budgets = ctx.informers.informerFor<PodDisruptionBudget>(pdbResource);
  const pods = ctx.informers.informerFor<Pod>(podsResource);
  const recorder = ctx.recorder('controllermanager');
  const queue = new WorkQueue({ clock: ctx.clock });

  const enqueue = (obj: PodDisruptionBudget) => queue.add(keyOf(obj));
  const enqueueBudgetsOf = (...versions: Pod[]) => {
    const namespace = versions[0].metadata?.namespace ?? '';
    for (const pdb of budgets.cache.byIndex(NAMESPACE_INDEX, namespace)) {
      let selector;
      try {
        selector = selectorFromLabelSelector(pdb.spec?.selector);
      } catch {
        continue;
      }
      if (versions.some((p) => selector.matches(p.metadata?.labels ?? {}))) enqueue(pdb);
    }
  };
  budgets.addEventHandler({ onAdd: enqueue, onUpdate: (_, pdb) => enqueue(pdb), onDelete: enqueue });
  pods.addEventHandler({
    onAdd: (pod) => enqueueBudgetsOf(pod),
    onUpdate: (old, pod) => enqueueBudgetsOf(old, pod),
    onDelete: (pod) => enqueueBudgetsOf(pod),
  });

  /** Writes `status` unless the budget already carries it; a stale cache means try again. */
  async function writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudget['status']): Promise<Result | void> {
    if (isDeepStrictEqual(pdb.status ?? {}, status)) return;
    try {
      await ctx.client.updateStatus(pdbResource, { ...structuredClone(pdb), status });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return { requeue: true };
      throw err;
    }
  }

  async function reconcile(key: string): Promise<Result | void> {
    const { namespace = '', name } = splitKey(key);
    const pdb = budgets.cache.getByName(namespace, name);
    if (!pdb) return;
    const now = ctx.clock.now();
    let selected: Pod[];
    try {
      selected = podsOfBudget(pdb, pods.cache.byIndex(NAMESPACE_INDEX, namespace));
    } catch (err) {
      return writeStatus(pdb, failedStatus(pdb, (err as Error).message, now));
    }
    if (selected.length === 0) void recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');

    let counts: { expectedPods: number; desiredHealthy: number };
    try {
      const scale = needsScale(pdb.spec) ? await controllersScale(ctx.client, namespace, selected) : 0;
      counts = expectedAndDesired(pdb.spec, selected.length, scale);
    } catch (err) {
      if (!(err instanceof ExpectedPodCountError) && !(err instanceof InvalidIntOrPercentError)) throw err;
      void recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${err.message}`);
      return writeStatus(pdb, failedStatus(pdb, err.message, now));
    }

    const { disruptedPods, recheckAfterMs, expired } = pruneDisruptedPods(pdb.status?.disruptedPods, selected, now);
    for (const pod of expired) {
      void recorder.event(pdb, 'Warning', 'NotDeleted', `Pod ${namespace}/${pod} was expected to be deleted but it wasn't`);
    }
    const status = budgetStatus(pdb, { ...counts, currentHealthy: countHealthy(selected, disruptedPods), disruptedPods }, now);
    const written = await writeStatus(pdb, status);
    if (written) return written;
    if (recheckAfterMs !== undefined) return { requeueAfterMs: recheckAfterMs };
  }

  return {
    name: 'disruption-controller',
    run: (signal) => runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name: 'disruption-controller', signal }),
  };
};
