/**
 * The replica loop shared by the ReplicaSet and ReplicationController controllers (upstream
 * runs RCs through the ReplicaSet controller too): keep exactly spec.replicas active pods
 * matching the selector. Per owner key it claims pods (adopt orphans, release strays), then,
 * once its expectations are met, creates the missing pods in slow-start batches or deletes
 * the surplus ranked by {@link podsToDelete}, and writes status through the status subresource.
 * The kinds differ only in resource, selector form and event source: see {@link ReplicaKind}.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { LabelSelector } from '../api/labels.ts';
import type { ResourceInfo } from '../api/resource.ts';
import {
  isNotFound,
  keyOf,
  NAMESPACE_INDEX,
  OWNER_INDEX,
  runReconciler,
  TerminalError,
  WorkQueue,
  type Informer,
  type Result,
} from '../client/index.ts';
import { claimObjects } from './claim.ts';
import { indexOrphans, ORPHAN_IN_NAMESPACE_INDEX } from './selection-indexes.ts';
import { requeueOnConflict } from './requeue-on-conflict.ts';
import type { Controller, ControllerConstructor, ControllerContext } from './controller.ts';
import { controllerRefOf, newControllerRef } from './controller-ref.ts';
import { ControllerExpectations } from './expectations.ts';
import { PodControl } from './pod-control.ts';
import { podsToDelete } from './pod-ranking.ts';
import { isPodActive, isPodReady } from './pod-util.ts';
import { calculateReplicaStatus, replicaStatusChanged, type ManageFailure, type ReplicaStatus, type ReplicatedObject } from './replica-status.ts';
import { slowStartBatch } from './slow-start.ts';

const PODS = findResource('', 'v1', 'pods')!;

/** Upstream's BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

/**
 * How long, per pod the owner had at its last sync, a change that can only move the owner's
 * status (a pod's node, readiness or phase within the active ones; the owner's own status) waits
 * before the sync it asks for, at most STATUS_SYNC_MAX_DELAY_MS. A sync walks all the owner's pods,
 * so syncing on each such change makes the work quadratic in replicas: while the scheduler bound a
 * 5,000-replica Deployment and hollow nodes started its pods, this controller's syncs (~8 ms each,
 * one after another, each status write asking for the next) took 13% of the control plane's
 * thread. Changes within the wait make one sync. 0.1 ms a pod: 5 ms for 50 replicas, half a second
 * for 5,000, so syncs take at most a few percent of a core however large the owner, and the
 * status stays as fresh as a rollout of that size can notice. Nothing waits that may need pods made
 * or removed (an add that completes a batch, a deletion, a pod no longer active, changed labels or
 * controller, a new spec): that is synced at once.
 */
export const STATUS_SYNC_DELAY_PER_POD_MS = 0.1;
export const STATUS_SYNC_MAX_DELAY_MS = 1000;

/** The wait for a status-only change of an owner that had `ownerPods` active pods at its last sync. */
export function statusSyncDelayMs(ownerPods: number): number {
  return Math.min(STATUS_SYNC_MAX_DELAY_MS, ownerPods * STATUS_SYNC_DELAY_PER_POD_MS);
}

/**
 * How long the sync an update of one of an owner's pods asks for may wait: 0 when the owner may
 * have pods to make or remove (labels or controller changed, or the pod stopped or started being
 * active), else in proportion to `ownerPods`, the active pods the owner had at its last sync.
 */
export function podUpdateSyncDelayMs(old: Pod, pod: Pod, ownerPods: number, labelsChanged = labelsDiffer(old, pod)): number {
  if (labelsChanged || controllerRefOf(old)?.uid !== controllerRefOf(pod)?.uid || isPodActive(old) !== isPodActive(pod)) return 0;
  return statusSyncDelayMs(ownerPods);
}

function labelsDiffer(old: Pod, pod: Pod): boolean {
  return JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
}

export interface ReplicaKind {
  resource: ResourceInfo;
  /** Source of events and name of the controller, e.g. "replicaset-controller". */
  component: string;
  /** The owner's selector; throws when it cannot be parsed. */
  selectorOf(owner: ReplicatedObject): LabelSelector;
}

/** The controller constructor for `kind`. */
export function replicaSyncController(kind: ReplicaKind): ControllerConstructor {
  return (ctx) => new ReplicaSyncController(kind, ctx);
}

class ReplicaSyncController implements Controller {
  readonly name: string;
  private readonly queue: WorkQueue;
  private readonly owners: Informer<ReplicatedObject>;
  private readonly pods: Informer<Pod>;
  private readonly expectations: ControllerExpectations;
  private readonly podControl: PodControl;
  private readonly apiVersion: string;
  /** Active pods each owner had at its last sync: how long status-only changes wait (see STATUS_SYNC_DELAY_PER_POD_MS). */
  private readonly podCounts = new Map<string, number>();

  constructor(
    private readonly kind: ReplicaKind,
    private readonly ctx: ControllerContext,
  ) {
    this.name = kind.component;
    this.queue = new WorkQueue({ clock: ctx.clock });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.podControl = new PodControl(ctx.client, ctx.recorder(kind.component));
    const r = kind.resource;
    this.apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    this.owners = ctx.informers.informerFor<ReplicatedObject>(r);
    this.pods = ctx.informers.informerFor<Pod>(PODS);
    indexOrphans(this.pods.cache);
    this.owners.addEventHandler({
      onAdd: (o) => this.queue.add(keyOf(o)),
      onUpdate: (old, o) => {
        // A write of its status alone (this controller's own, most often) waits as a pod's status does.
        const statusOnly = old.metadata?.generation === o.metadata?.generation && !o.metadata?.deletionTimestamp;
        this.queue.addAfter(keyOf(o), statusOnly ? statusSyncDelayMs(this.ownerPods(keyOf(o))) : 0);
      },
      onDelete: (o) => {
        this.expectations.delete(keyOf(o));
        this.podCounts.delete(keyOf(o));
        this.queue.add(keyOf(o));
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.onPodAdd(pod),
      onUpdate: (old, pod) => this.onPodUpdate(old, pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runReconciler(this.queue, (key) => requeueOnConflict(this.sync(key)), { workers: this.ctx.options.concurrentSyncs, log: this.ctx.log, name: this.name, signal });
  }

  /** The active pods the owner `key` had at its last sync (0 before its first). */
  private ownerPods(key: string): number {
    return this.podCounts.get(key) ?? 0;
  }

  /** The owner named by `ref` in `namespace`, if it is of our kind and still the same object. */
  private resolve(namespace: string | undefined, ref: OwnerReference | undefined): ReplicatedObject | undefined {
    if (!ref || ref.kind !== this.kind.resource.kind) return undefined;
    const owner = this.owners.cache.getByName(namespace, ref.name);
    return owner?.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners in the pod's namespace whose selector matches it (for orphans). */
  private matchingOwners(pod: Pod): ReplicatedObject[] {
    const namespace = pod.metadata?.namespace ?? '';
    return this.owners.cache.byIndex(NAMESPACE_INDEX, namespace).filter((o) => {
      try {
        return this.kind.selectorOf(o).matches(pod.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) return this.onPodDelete(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const owner = this.resolve(pod.metadata?.namespace, ref);
      if (!owner) return;
      const key = keyOf(owner);
      this.expectations.creationObserved(key);
      // Until the last of a batch comes back the sync can only recount status (see STATUS_SYNC_DELAY_PER_POD_MS).
      if (this.expectations.satisfied(key)) this.queue.add(key);
      else this.queue.addAfter(key, statusSyncDelayMs(this.ownerPods(key)));
      return;
    }
    for (const owner of this.matchingOwners(pod)) this.queue.add(keyOf(owner));
  }

  private onPodUpdate(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = labelsDiffer(old, pod);
    if (pod.metadata?.deletionTimestamp) {
      this.onPodDelete(pod);
      // A relabelled pod being deleted may leave its old owner short.
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const ref = controllerRefOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const previous = this.resolve(old.metadata?.namespace, oldRef);
      if (previous) this.queue.add(keyOf(previous));
    }
    if (ref) {
      const owner = this.resolve(pod.metadata?.namespace, ref);
      if (!owner) return;
      const key = keyOf(owner);
      this.queue.addAfter(key, podUpdateSyncDelayMs(old, pod, this.ownerPods(key), labelsChanged));
      const minReadySeconds = owner.spec?.minReadySeconds ?? 0;
      // Available only once Ready for minReadySeconds: look again then.
      if (!isPodReady(old) && isPodReady(pod) && minReadySeconds > 0) this.queue.addAfter(keyOf(owner), minReadySeconds * 1000 + 1000);
      return;
    }
    if (labelsChanged || oldRef) for (const owner of this.matchingOwners(pod)) this.queue.add(keyOf(owner));
  }

  private onPodDelete(pod: Pod): void {
    const owner = this.resolve(pod.metadata?.namespace, controllerRefOf(pod));
    if (!owner) return;
    this.expectations.deletionObserved(keyOf(owner), keyOf(pod));
    this.queue.add(keyOf(owner));
  }

  private async sync(key: string): Promise<Result | void> {
    const cached = this.owners.cache.get(key);
    if (!cached) {
      this.expectations.delete(key);
      this.podCounts.delete(key);
      return;
    }
    const owner = structuredClone(cached);
    let selector: LabelSelector;
    try {
      selector = this.kind.selectorOf(owner);
    } catch (err) {
      throw new TerminalError(`invalid selector: ${err instanceof Error ? err.message : String(err)}`);
    }
    const needsSync = this.expectations.satisfied(key) && !owner.metadata?.deletionTimestamp;
    const namespace = owner.metadata!.namespace!;
    const ownerRef = newControllerRef(owner, this.apiVersion, this.kind.resource.kind);
    // Only its own pods and orphans can be claimed: pods of other controllers are left alone.
    const candidates = new Set([...this.pods.cache.byIndex(OWNER_INDEX, owner.metadata!.uid!), ...this.pods.cache.byIndex(ORPHAN_IN_NAMESPACE_INDEX, namespace)]);
    const active = [...candidates].filter((pod) => pod.metadata?.namespace === namespace && isPodActive(pod));
    this.podCounts.set(key, active.length);
    const pods = await claimObjects(active, {
      client: this.ctx.client,
      resource: PODS,
      ownerRef,
      selector,
      ownerDeleting: !!owner.metadata?.deletionTimestamp,
      canAdopt: () => this.stillExists(owner),
    });

    let failure: ManageFailure | undefined;
    let error: unknown;
    if (needsSync) {
      try {
        await this.manageReplicas(key, owner, pods, ownerRef);
      } catch (err) {
        error = err;
        failure = { scalingUp: pods.length < (owner.spec?.replicas ?? 0), message: err instanceof Error ? err.message : String(err) };
      }
    }
    const now = this.ctx.clock.now();
    const status = calculateReplicaStatus(owner, pods, failure, now);
    await this.writeStatus(owner, status);
    if (error) throw error;
    const minReadySeconds = owner.spec?.minReadySeconds ?? 0;
    const replicas = owner.spec?.replicas ?? 0;
    if (minReadySeconds > 0 && status.readyReplicas === replicas && status.availableReplicas !== replicas) {
      return { requeueAfterMs: minReadySeconds * 1000 };
    }
  }

  /** Adoption needs the owner as the API has it now: the cache may not show a deletion yet. */
  private async stillExists(owner: ReplicatedObject): Promise<boolean> {
    try {
      const fresh = await this.ctx.client.get<ReplicatedObject>(this.kind.resource, owner.metadata?.namespace, owner.metadata!.name!);
      return fresh.metadata?.uid === owner.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async manageReplicas(key: string, owner: ReplicatedObject, pods: Pod[], ownerRef: OwnerReference): Promise<void> {
    const diff = pods.length - (owner.spec?.replicas ?? 0);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const template = owner.spec!.template!;
      const { successes, error } = await slowStartBatch(count, 1, async () => {
        await this.podControl.createPod(owner, template, ownerRef);
      });
      // Pods never created will never be observed.
      if (successes < count) this.expectations.creationObserved(key, count - successes);
      if (error) throw error;
    } else if (diff > 0) {
      const victims = podsToDelete(pods, pods, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.podControl.deletePod(owner, pod.metadata!.name!);
          } catch (err) {
            this.expectations.deletionObserved(key, keyOf(pod));
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * Writes `status` if it differs. A conflict (the owner changed meanwhile) fails the sync,
   * which runs again from the newer object.
   */
  private async writeStatus(owner: ReplicatedObject, status: ReplicaStatus): Promise<void> {
    if (!replicaStatusChanged(owner.status, status)) return;
    try {
      await this.ctx.client.updateStatus(this.kind.resource, { ...owner, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
