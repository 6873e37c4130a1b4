/**
 * What a hollow node's "kubelet" does with a pod bound to it, as pure functions: the next
 * step for the pod ({@link nextPodStep}) and the status it then reports — Running and Ready
 * with an IP and a running status per container, or Succeeded for pods that asked to finish
 * ({@link COMPLETE_AFTER_ANNOTATION}). No containers run.
 */
import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { formatTime, parseDurationMs } from '../api/time.ts';

/**
 * A pod annotated with a duration ("5s", "1m30s", "250ms", or plain seconds) succeeds that long
 * after it started on a hollow node, as a Job's pod would once its work is done.
 */
export const COMPLETE_AFTER_ANNOTATION = 'skiff.dev/hollow-complete-after';

/** What to do next with a pod bound to a hollow node. */
export type PodStep =
  /** Marked for deletion: finish it (a delete with grace 0), as a kubelet does once containers stop. */
  | { kind: 'delete' }
  /** Not started yet: report it Running. */
  | { kind: 'start' }
  /** Running, and its time is up: report it Succeeded. */
  | { kind: 'complete' }
  /** Running and due to complete at `atMs`. */
  | { kind: 'wait'; atMs: number }
  /** Nothing to do (running for good, or finished). */
  | { kind: 'none' };

export function nextPodStep(pod: Pod, now: number): PodStep {
  if (pod.metadata?.deletionTimestamp) return { kind: 'delete' };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'none' };
  if (phase !== 'Running') return { kind: 'start' };
  const after = completeAfterMs(pod);
  if (after === undefined) return { kind: 'none' };
  const started = Date.parse(pod.status?.startTime ?? '');
  const atMs = (Number.isNaN(started) ? now : started) + after;
  return atMs <= now ? { kind: 'complete' } : { kind: 'wait', atMs };
}

/** The pod's {@link COMPLETE_AFTER_ANNOTATION} in ms; undefined when absent or unreadable. */
export function completeAfterMs(pod: Pod): number | undefined {
  const text = pod.metadata?.annotations?.[COMPLETE_AFTER_ANNOTATION];
  return text === undefined ? undefined : parseDurationMs(text.trim());
}

export interface HollowPodStatusInputs {
  pod: Pod;
  phase: 'Running' | 'Succeeded';
  podIP: string;
  hostIP: string;
  now: number;
}

/** Conditions a kubelet owns; others (PodScheduled, readiness gates) are kept as they are. */
const OWNED_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

/** The status a hollow node reports for `pod` in `phase`; transition and start times kept from the current status. */
export function hollowPodStatus({ pod, phase, podIP, hostIP, now }: HollowPodStatusInputs): PodStatus {
  const old = pod.status ?? {};
  const stamp = formatTime(now);
  const startTime = old.startTime ?? stamp;
  const running = phase === 'Running';
  const owned: Omit<PodCondition, 'lastTransitionTime'>[] = [
    { type: 'PodReadyToStartContainers', status: running ? 'True' : 'False' },
    { type: 'Initialized', status: 'True', ...(running ? {} : { reason: 'PodCompleted' }) },
    { type: 'Ready', status: running ? 'True' : 'False', ...(running ? {} : { reason: 'PodCompleted' }) },
    { type: 'ContainersReady', status: running ? 'True' : 'False', ...(running ? {} : { reason: 'PodCompleted' }) },
  ];
  const conditions: PodCondition[] = [
    ...owned.map((c) => {
      const prev = old.conditions?.find((o) => o.type === c.type);
      return { ...c, lastTransitionTime: prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : stamp };
    }),
    ...(old.conditions ?? []).filter((c) => !OWNED_CONDITIONS.has(c.type)),
  ];
  const uid = pod.metadata?.uid ?? pod.metadata?.name ?? '';
  const containerStatus = (name: string, image: string, done: boolean): ContainerStatus => {
    const startedAt = old.containerStatuses?.find((s) => s.name === name)?.state?.running?.startedAt ?? startTime;
    return {
      name,
      image,
      imageID: `hollow://${image}`,
      containerID: `hollow://${uid}/${name}`,
      ready: !done,
      started: !done,
      restartCount: 0,
      state: done ? { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: stamp } } : { running: { startedAt } },
    };
  };
  const status: PodStatus = {
    ...old,
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => containerStatus(c.name, c.image ?? '', !running)),
  };
  const inits = pod.spec?.initContainers ?? [];
  if (inits.length > 0) {
    status.initContainerStatuses = inits.map((c) => ({
      ...containerStatus(c.name, c.image ?? '', true),
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime } },
    }));
  }
  return status;
}
