/**
 * The Deployment controller: a ReplicaSet per pod template (named `<deployment>-<hash>`,
 * labelled `pod-template-hash`), moved from old to new as the strategy says. RollingUpdate
 * grows the new ReplicaSet within maxSurge and shrinks old ones within maxUnavailable, one
 * step per sync; Recreate scales old ones to zero, waits for their pods to go, then scales the
 * new one up. Revisions live in `deployment.kubernetes.io/revision` annotations, so a
 * rollback (kubectl rollout undo patches the template back) makes the old ReplicaSet the
 * newest revision again. A paused Deployment, or one just resized, is only scaled (in
 * proportion across ReplicaSets mid-rollout); status and the Progressing and
 * Available conditions are reported as upstream does, so `kubectl rollout status` works.
 * Every decision is recomputed from the caches on each sync and every write is a
 * compare-and-swap on the cached object, so a restart mid-rollout simply carries on.
 */
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { findResource } from '../api/catalogue.ts';
import { selectorFromLabelSelector, type LabelSelector, type LabelSelectorSpec } from '../api/labels.ts';
import {
  isAlreadyExists,
  isNotFound,
  keyOf,
  NAMESPACE_INDEX,
  OWNER_INDEX,
  runReconciler,
  TerminalError,
  WorkQueue,
  type EventRecorder,
  type Informer,
  type Result,
} from '../client/index.ts';
import { claimObjects } from './claim.ts';
import type { Controller, ControllerConstructor, ControllerContext } from './controller.ts';
import { controllerRefOf, newControllerRef } from './controller-ref.ts';
import {
  byCreation,
  calculateDeploymentStatus,
  conditionOf,
  deploymentComplete,
  equalIgnoreHash,
  findNewReplicaSet,
  hasProgressDeadline,
  maxRevision,
  newCondition,
  newReplicaSetReplicas,
  oldReplicaSetsScaleDown,
  REVISION_ANNOTATION,
  revisionOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './deployment-util.ts';
import { rolloutStatus } from './deployment-progress.ts';
import { isScalingEvent, scalePlan } from './deployment-scale.ts';
import { requeueOnConflict } from './requeue-on-conflict.ts';
import { canonicalJson, computePodTemplateHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.ts';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;
const PODS = findResource('', 'v1', 'pods')!;

/** The Deployment changed under us (a newer generation): the sync stops; its update event brings it back. */
class StaleDeployment extends Error {}

export const deploymentController: ControllerConstructor = (ctx) => new DeploymentController(ctx);

class DeploymentController implements Controller {
  readonly name = 'deployment-controller';
  private readonly queue: WorkQueue;
  private readonly deployments: Informer<Deployment>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ clock: ctx.clock });
    this.recorder = ctx.recorder(this.name);
    this.deployments = ctx.informers.informerFor<Deployment>(DEPLOYMENTS);
    this.replicaSets = ctx.informers.informerFor<ReplicaSet>(REPLICASETS);
    this.pods = ctx.informers.informerFor<Pod>(PODS);
    this.deployments.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => this.queue.add(keyOf(d)),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.onReplicaSetChange(undefined, rs),
      onUpdate: (old, rs) => this.onReplicaSetChange(old, rs),
      onDelete: (rs) => this.enqueueOwner(rs),
    });
    // Recreate waits for the old pods to be gone.
    this.pods.addEventHandler({ onDelete: (pod) => this.onPodDelete(pod) });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runReconciler(this.queue, (key) => requeueOnConflict(this.sync(key)), { workers: this.ctx.options.concurrentSyncs, log: this.ctx.log, name: this.name, signal });
  }

  private resolve(namespace: string | undefined, ref: OwnerReference | undefined): Deployment | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.cache.getByName(namespace, ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  /** Returns whether the object had an owner of ours, which was enqueued. */
  private enqueueOwner(rs: ReplicaSet): boolean {
    const d = this.resolve(rs.metadata?.namespace, controllerRefOf(rs));
    if (d) this.queue.add(keyOf(d));
    return !!d;
  }

  private onReplicaSetChange(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    if (oldRef && oldRef.uid !== controllerRefOf(rs)?.uid) this.enqueueOwner(old!);
    if (this.enqueueOwner(rs) || controllerRefOf(rs)) return;
    // An orphan: any Deployment that selects it may adopt it.
    for (const d of this.deployments.cache.byIndex(NAMESPACE_INDEX, rs.metadata?.namespace ?? '')) {
      if (selectorOrNothing(d).matches(rs.metadata?.labels)) this.queue.add(keyOf(d));
    }
  }

  private onPodDelete(pod: Pod): void {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.cache.getByName(pod.metadata?.namespace, ref.name);
    const d = rs && this.resolve(rs.metadata?.namespace, controllerRefOf(rs));
    if (d?.spec?.strategy?.type === 'Recreate') this.queue.add(keyOf(d));
  }

  private async sync(key: string): Promise<Result | void> {
    const cached = this.deployments.cache.get(key);
    if (!cached) return;
    let d = structuredClone(cached);
    try {
      const sel = d.spec?.selector;
      if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
        void this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
        if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
          await this.writeStatus(d, { ...d.status, observedGeneration: d.metadata?.generation });
        }
        return;
      }
      let selector: LabelSelector;
      try {
        selector = selectorFromLabelSelector(sel as LabelSelectorSpec);
      } catch (err) {
        throw new TerminalError(`invalid selector: ${err instanceof Error ? err.message : String(err)}`);
      }
      const rsList = await this.claimReplicaSets(d, selector);
      if (d.metadata?.deletionTimestamp) return await this.syncStatusOnly(d, rsList);
      d = await this.checkPausedConditions(d);
      if (d.spec?.paused || isScalingEvent(d, rsList)) return await this.syncScale(d, rsList);
      if (d.spec?.strategy?.type === 'Recreate') return await this.rolloutRecreate(d, rsList);
      return await this.rolloutRolling(d, rsList);
    } catch (err) {
      if (err instanceof StaleDeployment) return;
      throw err;
    }
  }

  private async claimReplicaSets(d: Deployment, selector: LabelSelector): Promise<ReplicaSet[]> {
    const all = this.replicaSets.cache.byIndex(NAMESPACE_INDEX, d.metadata!.namespace!);
    const claimed = await claimObjects(all, {
      client: this.ctx.client,
      resource: REPLICASETS,
      ownerRef: newControllerRef(d, 'apps/v1', 'Deployment'),
      selector,
      ownerDeleting: !!d.metadata?.deletionTimestamp,
      canAdopt: async () => {
        try {
          const fresh = await this.ctx.client.get<Deployment>(DEPLOYMENTS, d.metadata?.namespace, d.metadata!.name!);
          return fresh.metadata?.uid === d.metadata?.uid && !fresh.metadata?.deletionTimestamp;
        } catch (err) {
          if (isNotFound(err)) return false;
          throw err;
        }
      },
    });
    return claimed.map((rs) => structuredClone(rs));
  }

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
    const { newRS, oldRSs, deployment } = await this.syncRevision(d, rsList, true);
    d = deployment;
    const allRSs = newRS ? [...oldRSs, newRS] : oldRSs;
    if (newRS && (await this.reconcileNewReplicaSet(d, allRSs, newRS))) return this.syncRolloutStatus(d, allRSs, newRS);
    const active = oldRSs.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    let scaledDown = false;
    for (const [name, replicas] of oldReplicaSetsScaleDown(d, allRSs, active, newRS)) {
      const rs = oldRSs.find((r) => r.metadata?.name === name)!;
      if (await this.scaleReplicaSet(d, rs, replicas)) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(d, allRSs, newRS);
    if (deploymentComplete(d, calculateDeploymentStatus(d, allRSs, newRS, this.ctx.clock.now()))) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, allRSs, newRS);
  }

  /** Scales the new ReplicaSet towards spec.replicas within the surge; whether it changed. */
  private async reconcileNewReplicaSet(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const replicas = d.spec?.replicas ?? 1;
    const current = newRS.spec?.replicas ?? 0;
    if (current === replicas) return false;
    const target = current > replicas ? replicas : newReplicaSetReplicas(d, allRSs, newRS);
    return this.scaleReplicaSet(d, newRS, target);
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<Result | void> {
    let { newRS, oldRSs, deployment } = await this.syncRevision(d, rsList, false);
    d = deployment;
    let scaledDown = false;
    for (const rs of oldRSs) if ((rs.spec?.replicas ?? 0) > 0 && (await this.scaleReplicaSet(d, rs, 0))) scaledDown = true;
    const allRSs = () => (newRS ? [...oldRSs, newRS] : oldRSs);
    if (scaledDown) return this.syncRolloutStatus(d, allRSs(), newRS);
    const oldPodsRunning = oldRSs.some((rs) =>
      this.pods.cache.byIndex(OWNER_INDEX, rs.metadata!.uid!).some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'),
    );
    if (oldPodsRunning) return this.syncRolloutStatus(d, allRSs(), newRS);
    if (!newRS) {
      ({ newRS, oldRSs, deployment: d } = await this.syncRevision(d, rsList, true));
    }
    if (newRS) await this.scaleReplicaSet(d, newRS, d.spec?.replicas ?? 1);
    if (deploymentComplete(d, calculateDeploymentStatus(d, allRSs(), newRS, this.ctx.clock.now()))) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, allRSs(), newRS);
  }

  /**
   * A paused Deployment, or one whose size changed: resize its ReplicaSets (see
   * deployment-scale.ts) without rolling out; a paused one also has old revisions cleaned up.
   */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs, deployment } = await this.syncRevision(d, rsList, false);
    d = deployment;
    const allRSs = newRS ? [...oldRSs, newRS] : oldRSs;
    const plan = scalePlan(d, newRS, oldRSs);
    // Every running ReplicaSet is rewritten so its desired-replicas annotation catches up.
    for (const rs of allRSs) {
      const size = plan.get(rs.metadata!.name!);
      if (size !== undefined || (rs.spec?.replicas ?? 0) > 0) await this.scaleReplicaSet(d, rs, size ?? rs.spec!.replicas!);
    }
    if (d.spec?.paused) await this.cleanup(d, oldRSs);
    await this.writeStatus(d, calculateDeploymentStatus(d, allRSs, newRS, this.ctx.clock.now()));
  }

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs, deployment } = await this.syncRevision(d, rsList, false);
    const allRSs = newRS ? [...oldRSs, newRS] : oldRSs;
    await this.writeStatus(deployment, calculateDeploymentStatus(deployment, allRSs, newRS, this.ctx.clock.now()));
  }

  /** Progressing is Unknown/DeploymentPaused while paused and Unknown/DeploymentResumed after. */
  private async checkPausedConditions(d: Deployment): Promise<Deployment> {
    if (!hasProgressDeadline(d)) return d;
    const cond = conditionOf(d.status, 'Progressing');
    if (cond?.reason === 'ProgressDeadlineExceeded') return d;
    const pausedNoted = cond?.reason === 'DeploymentPaused';
    const status = structuredClone(d.status ?? {});
    const now = this.ctx.clock.now();
    if (d.spec?.paused && !pausedNoted) setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
    else if (!d.spec?.paused && pausedNoted) setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now));
    else return d;
    return this.writeStatus(d, status);
  }

  /**
   * Finds the new ReplicaSet (creating it when `create` and there is none), brings its
   * revision annotations up to date and the Deployment's revision annotation with them.
   */
  private async syncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[]; deployment: Deployment }> {
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.ctx.clock.now();
    let newRS: ReplicaSet | undefined;
    let status: DeploymentStatus | undefined;
    if (existing) {
      newRS = existing;
      const annotationsChanged = setNewReplicaSetAnnotations(d, newRS, newRevision, true);
      const minReadyChanged = (newRS.spec!.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (minReadyChanged) newRS.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || minReadyChanged) newRS = await this.ctx.client.update<ReplicaSet>(REPLICASETS, newRS);
      if (hasProgressDeadline(d) && !conditionOf(d.status, 'Progressing')) {
        status = structuredClone(d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${newRS.metadata!.name}"`, now));
      }
    } else if (create) {
      const created = await this.createNewReplicaSet(d, oldRSs, newRevision);
      newRS = created.rs;
      if (created.isNew && hasProgressDeadline(d)) {
        status = structuredClone(d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${newRS.metadata!.name}"`, now));
      }
    }
    if (newRS) d = await this.setDeploymentRevision(d, String(revisionOf(newRS)));
    if (status) d = await this.writeStatus(d, status);
    return { newRS, oldRSs, deployment: d };
  }

  private async createNewReplicaSet(d: Deployment, oldRSs: ReplicaSet[], revision: number): Promise<{ rs: ReplicaSet; isNew: boolean }> {
    const hash = computePodTemplateHash(d.spec!.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: d.metadata!.namespace,
        labels: template.metadata.labels,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    rs.spec!.replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, revision, false);
    try {
      const created = await this.ctx.client.create<ReplicaSet>(REPLICASETS, rs);
      if ((rs.spec!.replicas ?? 0) > 0) {
        void this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata!.name} from 0 to ${rs.spec!.replicas}`);
      }
      return { rs: created, isNew: true };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    // The name is taken: ours if it holds this template (our cache had not seen it yet), else a hash collision.
    const taken = await this.ctx.client.get<ReplicaSet>(REPLICASETS, d.metadata!.namespace, rs.metadata!.name!);
    if (controllerRefOf(taken)?.uid === d.metadata!.uid && equalIgnoreHash(taken.spec?.template, d.spec?.template)) return { rs: taken, isNew: false };
    await this.writeStatus(d, { ...structuredClone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 });
    throw new Error(`hash collision on replica set ${rs.metadata!.name}; collisionCount raised`);
  }

  /** Sets the Deployment's revision annotation (a metadata write: the status subresource keeps metadata). */
  private async setDeploymentRevision(d: Deployment, revision: string): Promise<Deployment> {
    if (d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return d;
    const patched = await this.ctx.client.patch<Deployment>(DEPLOYMENTS, d.metadata!.namespace, d.metadata!.name!, {
      metadata: { resourceVersion: d.metadata!.resourceVersion, annotations: { [REVISION_ANNOTATION]: revision } },
    }, 'merge');
    if (patched.metadata?.generation !== d.metadata?.generation) throw new StaleDeployment();
    return { ...d, metadata: patched.metadata };
  }

  /** Sets `rs`'s spec.replicas (and its replicas annotations); whether anything was written. */
  private async scaleReplicaSet(d: Deployment, rs: ReplicaSet, replicas: number): Promise<boolean> {
    const from = rs.spec?.replicas ?? 0;
    const annotationsChanged = setReplicasAnnotations(d, rs);
    if (from === replicas && !annotationsChanged) return false;
    rs.spec!.replicas = replicas;
    const updated = await this.ctx.client.update<ReplicaSet>(REPLICASETS, rs);
    Object.assign(rs, updated);
    if (from !== replicas) {
      void this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata!.name} from ${from} to ${replicas}`);
    }
    return from !== replicas;
  }

  /** Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    let excess = cleanable.length - limit;
    if (excess <= 0) return;
    const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of byRevision) {
      if (excess <= 0) break;
      const idle = (rs.status?.replicas ?? 0) === 0 && (rs.spec?.replicas ?? 0) === 0 && (rs.status?.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0);
      if (!idle) continue;
      try {
        await this.ctx.client.delete(REPLICASETS, rs.metadata!.namespace, rs.metadata!.name!, { preconditions: { uid: rs.metadata!.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      excess--;
    }
  }

  private async syncRolloutStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<Result | void> {
    const { status, recheckAfterMs } = rolloutStatus(d, allRSs, newRS, this.ctx.clock.now());
    await this.writeStatus(d, status);
    if (recheckAfterMs !== undefined) return { requeueAfterMs: recheckAfterMs };
  }

  /** Writes `status` when it differs from what the Deployment shows; returns the Deployment as written. */
  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<Deployment> {
    if (canonicalJson(d.status ?? {}) === canonicalJson(status)) return d;
    try {
      return await this.ctx.client.updateStatus<Deployment>(DEPLOYMENTS, { ...d, status });
    } catch (err) {
      if (isNotFound(err)) throw new StaleDeployment();
      throw err;
    }
  }
}

function selectorOrNothing(d: Deployment): LabelSelector {
  try {
    const sel = d.spec?.selector;
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) return selectorFromLabelSelector(null);
    return selectorFromLabelSelector(sel as LabelSelectorSpec);
  } catch {
    return selectorFromLabelSelector(null);
  }
}
