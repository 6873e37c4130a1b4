/**
 * What one sync of a pod must do, decided from the pod spec and what the runtime has — pure,
 * as upstream's computePodActions: create the sandbox if missing; run init containers one at a
 * time in order (a failed one is retried, or fails the pod under restartPolicy Never); then
 * start every app container that has no container yet, or whose last one exited and the
 * restart policy says to restart; kill what failed its liveness probe, what the spec no longer
 * names, and duplicates; remove dead containers older than the one before the latest (that one
 * stays for lastState and `kubectl logs --previous`). Crash-loop back-off is applied by the
 * caller when it starts a container that replaces an exited one.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus, Sandbox } from './runtime/runtime.ts';

/** What the runtime (and the probes) report of one pod. */
export interface PodRuntimeState {
  sandbox?: Sandbox;
  containers: ContainerStatus[];
  /** Ids of running containers whose liveness (or startup) probe has failed. */
  unhealthy?: ReadonlySet<string>;
}

export interface ContainerToStart {
  name: string;
  /** Restart number: one past the container's last attempt. */
  attempt: number;
  init: boolean;
  /** The exited container this one replaces (its finish time drives crash-loop back-off). */
  replaces?: ContainerStatus;
}

export interface ContainerToKill {
  id: string;
  name: string;
  /** Event message for a kill the user should hear about, e.g. a failed liveness probe. */
  message: string;
  /** Remove it once stopped (nothing will want its status again). */
  remove: boolean;
}

export interface PodActions {
  createSandbox: boolean;
  kill: ContainerToKill[];
  start: ContainerToStart[];
  /** Ids of exited containers to remove. */
  remove: string[];
  /** activeDeadlineSeconds has passed: everything is stopped and the pod fails. */
  deadlineExceeded: boolean;
}

/** The latest container first, then older attempts. */
export function containersByName(containers: ContainerStatus[]): Map<string, ContainerStatus[]> {
  const byName = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  for (const list of byName.values()) list.sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime());
  return byName;
}

/** Whether the pod's phase is final: nothing runs or restarts again. */
export function isTerminalPhase(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Whether `startTime + activeDeadlineSeconds` has passed at `now`. */
export function pastActiveDeadline(pod: Pod, now: number): boolean {
  const deadline = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime;
  return deadline !== undefined && start !== undefined && now >= Date.parse(start) + deadline * 1000;
}

export function computePodActions(pod: Pod, state: PodRuntimeState, now: number): PodActions {
  const actions: PodActions = { createSandbox: false, kill: [], start: [], remove: [], deadlineExceeded: false };
  const initSpecs = pod.spec?.initContainers ?? [];
  const appSpecs = pod.spec?.containers ?? [];
  const wanted = new Set([...initSpecs, ...appSpecs].map((c) => c.name));
  const byName = containersByName(state.containers);
  const live = (c: ContainerStatus) => c.state === 'running' || c.state === 'created' || c.state === 'unknown';

  for (const [name, list] of byName) {
    list.forEach((c, i) => {
      if (!wanted.has(name)) {
        if (live(c)) actions.kill.push({ id: c.id, name, message: `Container ${name} is not in the pod spec`, remove: true });
        else actions.remove.push(c.id);
      } else if (i > 0 && live(c)) {
        actions.kill.push({ id: c.id, name, message: `Container ${name} is a stale attempt`, remove: true });
      } else if (i > 1) {
        actions.remove.push(c.id);
      }
    });
  }

  const killAllLive = (message: (name: string) => string) => {
    for (const [name, list] of byName) {
      const latest = list[0];
      if (wanted.has(name) && live(latest)) actions.kill.push({ id: latest.id, name, message: message(name), remove: false });
    }
  };
  if (isTerminalPhase(pod)) {
    killAllLive((name) => `Stopping container ${name}`);
    return actions;
  }
  if (pastActiveDeadline(pod, now)) {
    actions.deadlineExceeded = true;
    killAllLive((name) => `Stopping container ${name}`);
    return actions;
  }

  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (!state.sandbox) {
    // A Never pod whose sandbox vanished after it ran (a reboot) is not run again.
    if (policy === 'Never' && state.containers.length > 0) return actions;
    actions.createSandbox = true;
  }

  const next = (spec: Container, init: boolean, replaces?: ContainerStatus): ContainerToStart => ({
    name: spec.name,
    attempt: replaces ? replaces.attempt + 1 : (byName.get(spec.name)?.[0]?.attempt ?? -1) + 1,
    init,
    ...(replaces ? { replaces } : {}),
  });

  for (const spec of initSpecs) {
    const latest = byName.get(spec.name)?.[0];
    if (!latest) {
      actions.start.push(next(spec, true));
      return actions;
    }
    if (latest.state === 'running') return actions;
    if (latest.state !== 'exited') {
      actions.kill.push({ id: latest.id, name: spec.name, message: `Container ${spec.name} did not start`, remove: false });
      actions.start.push(next(spec, true));
      return actions;
    }
    if (latest.exitCode === 0) continue;
    if (policy !== 'Never') actions.start.push(next(spec, true, latest));
    return actions;
  }

  for (const spec of appSpecs) {
    const latest = byName.get(spec.name)?.[0];
    if (!latest) {
      actions.start.push(next(spec, false));
    } else if (latest.state === 'running') {
      const unhealthy = state.unhealthy?.has(latest.id);
      const changed = latest.image !== spec.image;
      if (!unhealthy && !changed) continue;
      const message = unhealthy ? `Container ${spec.name} failed liveness probe, will be restarted` : `Container ${spec.name} definition changed, will be restarted`;
      actions.kill.push({ id: latest.id, name: spec.name, message, remove: false });
      if (changed || policy !== 'Never') actions.start.push(next(spec, false));
    } else if (latest.state === 'exited') {
      if (policy === 'Always' || (policy === 'OnFailure' && latest.exitCode !== 0)) actions.start.push(next(spec, false, latest));
    } else {
      actions.kill.push({ id: latest.id, name: spec.name, message: `Container ${spec.name} did not start`, remove: false });
      actions.start.push(next(spec, false));
    }
  }
  return actions;
}
