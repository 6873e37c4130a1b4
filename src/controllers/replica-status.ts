/**
 * The status a ReplicaSet or ReplicationController reports (upstream's calculateStatus): pod
 * counts from the pods it owns, and the ReplicaFailure condition while creating or deleting
 * pods fails. Pure, so the rules are tested without a cluster.
 */
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { formatTime } from '../api/time.ts';
import { isPodAvailable, isPodReady } from './pod-util.ts';

/** The fields ReplicaSetStatus and ReplicationControllerStatus share. */
export interface ReplicaStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

export interface ReplicaCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** What ReplicaSets and ReplicationControllers have in common. */
export interface ReplicatedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec; selector?: unknown };
  status?: ReplicaStatus;
}

/** A failure of the last attempt to create (`scalingUp`) or delete pods. */
export interface ManageFailure {
  scalingUp: boolean;
  message: string;
}

export function calculateReplicaStatus(owner: ReplicatedObject, pods: Pod[], failure: ManageFailure | undefined, now: number): ReplicaStatus {
  const templateLabels = owner.spec?.template?.metadata?.labels ?? {};
  const minReadySeconds = owner.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, minReadySeconds, now)) available++;
  }
  let conditions = (owner.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const existing = owner.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (failure) {
    conditions = [
      ...conditions,
      existing ?? {
        type: 'ReplicaFailure',
        status: 'True',
        lastTransitionTime: formatTime(now),
        reason: failure.scalingUp ? 'FailedCreate' : 'FailedDelete',
        message: failure.message,
      },
    ];
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: owner.metadata?.generation,
    ...(conditions.length ? { conditions } : {}),
  };
}

/** Whether `next` says anything `current` does not (so a status write is due). */
export function replicaStatusChanged(current: ReplicaStatus | undefined, next: ReplicaStatus): boolean {
  const c = current ?? {};
  return (
    (c.replicas ?? 0) !== next.replicas ||
    (c.fullyLabeledReplicas ?? 0) !== next.fullyLabeledReplicas ||
    (c.readyReplicas ?? 0) !== next.readyReplicas ||
    (c.availableReplicas ?? 0) !== next.availableReplicas ||
    c.observedGeneration !== next.observedGeneration ||
    JSON.stringify(c.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}
