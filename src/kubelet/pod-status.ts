/**
 * A pod's status as the kubelet reports it, computed (purely) from the spec, what the runtime
 * has, the probes' verdicts and why a container is waiting — upstream's generateAPIPodStatus:
 * phase, the conditions PodReadyToStartContainers, Initialized, ContainersReady and Ready
 * (PodScheduled and others the kubelet does not own are kept), hostIP(s), podIP(s), startTime,
 * qosClass, and a status per init and app container. Fields the kubelet does not own are kept
 * from the current status; condition transition times move only when a status changes.
 */
import type { Container, ContainerState, ContainerStateTerminated, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../api/time.ts';
import { formatReference, parseReference } from './images/reference.ts';
import { containersByName, type PodRuntimeState } from './pod-actions.ts';
import type { ContainerStatus } from './runtime/runtime.ts';

/** Why a container that should be running is not (ErrImagePull, CrashLoopBackOff, ...). */
export interface ContainerWaiting {
  reason: string;
  message?: string;
}

export interface PodStatusInputs {
  pod: Pod;
  state: PodRuntimeState;
  /** Waiting reasons from the last sync, by container name. */
  waiting: ReadonlyMap<string, ContainerWaiting>;
  /** Probe verdicts by container id: undefined while a probe has no result yet. */
  readiness(containerId: string): boolean | undefined;
  startup(containerId: string): boolean | undefined;
  nodeIP: string;
  /** e.g. "runc": container ids are reported as runc://<id>. */
  runtimeName: string;
  /** Image id → repo digest (docker.io/library/busybox@sha256:...), when the store knows one. */
  repoDigests: ReadonlyMap<string, string>;
  /** activeDeadlineSeconds has passed. */
  deadlineExceeded: boolean;
  now: number;
}

const OWNED_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'];

export function computePodStatus(inputs: PodStatusInputs): PodStatus {
  const { pod, now } = inputs;
  const old = pod.status ?? {};
  const byName = containersByName(inputs.state.containers);
  const initSpecs = pod.spec?.initContainers ?? [];
  const appSpecs = pod.spec?.containers ?? [];
  const initStatuses = initSpecs.map((c) => containerStatus(inputs, c, byName.get(c.name) ?? [], 'PodInitializing'));
  const pendingInit = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const appStatuses = appSpecs.map((c) => containerStatus(inputs, c, byName.get(c.name) ?? [], pendingInit.length ? 'PodInitializing' : 'ContainerCreating'));
  const phase = podPhase(inputs, initStatuses, appStatuses, pendingInit.length > 0);
  const terminal = phase === 'Succeeded' || phase === 'Failed';

  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const containersReady: Omit<PodCondition, 'lastTransitionTime'> = terminal
    ? { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }
    : unready.length
      ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }
      : { type: 'ContainersReady', status: 'True' };
  const owned: Omit<PodCondition, 'lastTransitionTime'>[] = [
    { type: 'PodReadyToStartContainers', status: inputs.state.sandbox ? 'True' : 'False' },
    pendingInit.length && !terminal
      ? { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${pendingInit.join(' ')}]` }
      : { type: 'Initialized', status: 'True', ...(terminal && pendingInit.length ? { reason: 'PodCompleted' } : {}) },
    readyCondition(pod, containersReady),
    containersReady,
  ];
  const conditions: PodCondition[] = [
    ...owned.map((c) => withTransition(c, old.conditions, now)),
    ...(old.conditions ?? []).filter((c) => !OWNED_CONDITIONS.includes(c.type)),
  ];

  const hostNetwork = pod.spec?.hostNetwork === true;
  const podIP = hostNetwork ? inputs.nodeIP : inputs.state.sandbox?.ip;
  const status: PodStatus = {
    ...structuredClone(old),
    phase,
    conditions,
    hostIP: inputs.nodeIP,
    hostIPs: [{ ip: inputs.nodeIP }],
    startTime: old.startTime ?? formatTime(now),
    qosClass: old.qosClass ?? qosClass(pod),
    containerStatuses: appStatuses,
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (initSpecs.length) status.initContainerStatuses = initStatuses;
  if (inputs.deadlineExceeded) {
    status.reason = 'DeadlineExceeded';
    status.message = 'Pod was active longer than specified deadline';
  }
  return status;
}

/** Whether two statuses say the same thing (key order, and absent vs null vs undefined, aside). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus | undefined): boolean {
  return canonical(a ?? {}) === canonical(b ?? {});
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => {
    if (v === null) return undefined;
    return typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v;
  });
}

function containerStatus(inputs: PodStatusInputs, spec: Container, attempts: ContainerStatus[], notYetReason: string): ApiContainerStatus {
  const [latest, previous] = attempts;
  const status: ApiContainerStatus = {
    name: spec.name,
    image: displayImage(spec.image ?? ''),
    imageID: '',
    ready: false,
    restartCount: latest?.attempt ?? 0,
    started: false,
    state: {},
    lastState: {},
  };
  const waiting = inputs.waiting.get(spec.name);
  if (!latest) {
    status.state = { waiting: waiting ?? { reason: notYetReason } };
    return status;
  }
  status.containerID = `${inputs.runtimeName}://${latest.id}`;
  status.imageID = inputs.repoDigests.get(latest.imageId) ?? latest.imageId;
  if (latest.state === 'running') {
    status.state = { running: { startedAt: formatTime(latest.startedAt ?? latest.createdAt) } };
    status.started = spec.startupProbe ? inputs.startup(latest.id) === true : true;
    status.ready = status.started && (spec.readinessProbe ? inputs.readiness(latest.id) === true : true);
    if (previous?.state === 'exited') status.lastState = { terminated: terminated(inputs, previous) };
  } else if (latest.state === 'exited') {
    if (waiting) {
      status.state = { waiting };
      status.lastState = { terminated: terminated(inputs, latest) };
    } else {
      status.state = { terminated: terminated(inputs, latest) };
      if (previous?.state === 'exited') status.lastState = { terminated: terminated(inputs, previous) };
    }
  } else {
    status.state = { waiting: waiting ?? { reason: 'ContainerCreating' } };
  }
  return status;
}

function terminated(inputs: PodStatusInputs, c: ContainerStatus): ContainerStateTerminated {
  const exitCode = c.exitCode ?? 0;
  return {
    exitCode,
    reason: c.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
    ...(c.message ? { message: c.message } : {}),
    startedAt: formatTime(c.startedAt ?? c.createdAt),
    finishedAt: formatTime(c.finishedAt ?? c.startedAt ?? c.createdAt),
    containerID: `${inputs.runtimeName}://${c.id}`,
  };
}

/** `busybox` → `docker.io/library/busybox:latest`, as the runtime reports images; bad references as written. */
export function displayImage(image: string): string {
  try {
    return formatReference(parseReference(image));
  } catch {
    return image;
  }
}

/** Upstream's getPhase, with "never leave a terminal phase" and the active deadline. */
function podPhase(inputs: PodStatusInputs, init: ApiContainerStatus[], app: ApiContainerStatus[], pendingInit: boolean): string {
  const { pod } = inputs;
  const old = pod.status?.phase;
  if (old === 'Succeeded' || old === 'Failed') return old;
  if (inputs.deadlineExceeded) return 'Failed';
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never' && init.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0)) return 'Failed';
  if (pendingInit) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    const state: ContainerState = s.state ?? {};
    if (state.running) running++;
    else if (state.terminated) {
      stopped++;
      if (state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (policy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : 'Running';
}

/** Ready follows ContainersReady, and every readiness gate's condition must be True too. */
function readyCondition(pod: Pod, containersReady: Omit<PodCondition, 'lastTransitionTime'>): Omit<PodCondition, 'lastTransitionTime'> {
  if (containersReady.status !== 'True') return { ...containersReady, type: 'Ready' };
  const missing = (pod.spec?.readinessGates ?? [])
    .map((g) => g.conditionType)
    .filter((type) => pod.status?.conditions?.find((c) => c.type === type)?.status !== 'True');
  if (!missing.length) return { type: 'Ready', status: 'True' };
  return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: `the status of pod readiness gate${missing.length > 1 ? 's' : ''} "${missing.join('", "')}" is not "True"` };
}

function withTransition(c: Omit<PodCondition, 'lastTransitionTime'>, old: PodCondition[] | undefined, now: number): PodCondition {
  const prev = old?.find((o) => o.type === c.type);
  const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : formatTime(now);
  return { ...c, lastTransitionTime };
}

/** QoS class from requests and limits (Guaranteed, Burstable, BestEffort), as upstream. */
export function qosClass(pod: Pod): string {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    for (const r of ['cpu', 'memory']) {
      const req = c.resources?.requests?.[r];
      const lim = c.resources?.limits?.[r];
      if (req !== undefined || lim !== undefined) any = true;
      if (lim === undefined || (req !== undefined && String(req) !== String(lim))) guaranteed = false;
    }
  }
  return !any ? 'BestEffort' : guaranteed ? 'Guaranteed' : 'Burstable';
}
