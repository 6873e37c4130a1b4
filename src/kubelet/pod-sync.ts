/**
 * One sync of one pod — the pod worker's job, level-triggered and safe to repeat: read what the
 * runtime has for the pod, decide (computePodActions), act (kill, remove, create the sandbox,
 * prepare volumes and files, pull, create, start, postStart), then report the pod's status if
 * it changed. A pod marked for deletion is torn down (preStop, stop within the grace period,
 * containers and sandbox removed, volumes and directories gone) and then deleted for good; a
 * pod the API no longer has is torn down the same way.
 */
import type { Container, LifecycleHandler, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { rm } from 'node:fs/promises';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, type Clock, type EventRecorder, type RestClient, type Result } from '../client/index.ts';
import { buildContainerConfig, podFullName } from './container-config.ts';
import { ContainerWaitingError } from './container-waiting-error.ts';
import { CrashBackoff, formatBackoff } from './crash-backoff.ts';
import type { ImagePuller } from './image-puller.ts';
import { readImageFile } from './image-files.ts';
import type { ImageService } from './images/image-service.ts';
import { computePodActions, pastActiveDeadline, type ContainerToStart, type PodRuntimeState } from './pod-actions.ts';
import { computePodStatus, sameStatus, type ContainerWaiting } from './pod-status.ts';
import { containerLogPath, podDir, podLogDir } from './paths.ts';
import { podHostname } from './pod-files.ts';
import { podPortMappings } from './network/port-mappings.ts';
import type { ContainerRuntime, ContainerStatus, Mount, PodRef, Sandbox } from './runtime/runtime.ts';

const PODS = findResource('', 'v1', 'pods')!;
/** Upstream's floor for a stop after a preStop hook used up the grace period. */
const MIN_GRACE_SECONDS = 2;
/** How soon a container that could not be created is tried again when nothing says otherwise. */
const RETRY_START_MS = 10_000;

/** The pod's volumes, files, env, mounts and hooks (kubelet-pods' parts), as the pod worker uses them. */
export interface PodResources {
  /** Sets up the pod's volumes and writes its files (/etc/hosts, resolv.conf, hostname); idempotent. */
  prepare(pod: Pod, sandbox: Sandbox): Promise<void>;
  /** Keeps a running pod's ConfigMap, Secret and downward API volumes current (as often as it sees fit). */
  refresh(pod: Pod): Promise<void>;
  /**
   * The container's env (KEY=value, resolved) and mounts (volumes and the pod's files); throws
   * ContainerWaitingError (CreateContainerConfigError) naming what is missing.
   */
  container(pod: Pod, container: Container): Promise<{ env: string[]; mounts: Mount[] }>;
  /** Runs a postStart or preStop handler against the container; rejects with why it failed. */
  runHook(pod: Pod, container: Container, containerId: string, sandbox: Sandbox | undefined, handler: LifecycleHandler, timeoutMs: number): Promise<void>;
  /** Unmounts and removes what `prepare` made. */
  cleanup(podUid: string): Promise<void>;
}

/** The probes' verdicts (kubelet-pods' prober), and keeping its workers in step with the pods. */
export interface ProbeResults {
  /** Starts and stops probe workers to match the pod's containers now. */
  update(pod: Pod, state: PodRuntimeState): void;
  removePod(podUid: string): void;
  readiness(containerId: string): boolean | undefined;
  startup(containerId: string): boolean | undefined;
  /** Running containers of the pod whose liveness or startup probe has failed for good. */
  unhealthy(podUid: string): ReadonlySet<string>;
}

/** Copies a container's output into its log file (kubelet-streams' ContainerLogger). */
export interface LogAttacher {
  attach(containerId: string, logPath: string): Promise<unknown>;
  detach(containerId: string): Promise<void>;
}

export interface PodSyncerOptions {
  client: Pick<RestClient, 'get' | 'updateStatus' | 'delete'>;
  runtime: ContainerRuntime;
  /** e.g. "runc", for runc://<id> container ids. */
  runtimeName: string;
  images: Pick<ImageService, 'list'>;
  puller: Pick<ImagePuller, 'ensure' | 'forget'>;
  logs: LogAttacher;
  resources: PodResources;
  probes: ProbeResults;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  rootDir: string;
  /** e.g. cluster.local, for the hostname of pods with setHostnameAsFQDN. */
  clusterDomain: string;
  nodeIP(): string;
  log: (line: string) => void;
}

interface Waiting extends ContainerWaiting {
  /** When it was recorded (a failed start's time drives its back-off). */
  at: number;
}

export class PodSyncer {
  private readonly sandboxes = new Map<string, Sandbox>();
  /**
   * Pod uid → ids of its containers. Only the kubelet makes containers, so after adoption this
   * stays exact, and a sync asks the runtime about its pod's containers alone, not the node's.
   */
  private readonly containerIds = new Map<string, Set<string>>();
  private readonly waiting = new Map<string, Map<string, Waiting>>();
  private readonly attached = new Set<string>();
  private readonly crashBackoff: CrashBackoff;
  private readonly repoDigests = new Map<string, string>();
  /**
   * Pod uid → the pod as the kubelet's last status write left it, with the resourceVersion that
   * write replaced. The next sync often comes (from the PLEG) before the watch has brought that
   * write back: its copy is then the replaced version, and a status computed over it would be
   * a write refused as a conflict, then a read, only to find nothing new to say.
   */
  private readonly written = new Map<string, { replaced: string; pod: Pod }>();

  constructor(private readonly o: PodSyncerOptions) {
    this.crashBackoff = new CrashBackoff(o.clock);
  }

  /** Learns the sandboxes the runtime already has (after a restart); returns the pod uids it has anything for. */
  async adopt(): Promise<Set<string>> {
    const uids = new Set<string>();
    for (const s of await this.o.runtime.listPodSandboxes()) {
      this.sandboxes.set(s.pod.uid, s);
      uids.add(s.pod.uid);
    }
    for (const c of await this.o.runtime.listContainers()) {
      this.idsOf(c.pod.uid).add(c.id);
      uids.add(c.pod.uid);
    }
    return uids;
  }

  /** Syncs pod `uid`: `pod` is the API's object, undefined when the API no longer has it. */
  async sync(uid: string, pod: Pod | undefined): Promise<Result> {
    const state = await this.runtimeState(uid);
    if (!pod) {
      if (state.sandbox || state.containers.length) await this.teardown(uid, undefined, state, MIN_GRACE_SECONDS);
      return {};
    }
    await this.attachLogs(state);
    if (pod.metadata?.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.teardown(uid, pod, state, grace);
      await this.deletePod(pod);
      return {};
    }

    const now = this.o.clock.now();
    const actions = computePodActions(pod, { ...state, unhealthy: this.o.probes.unhealthy(uid) }, now);
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    let retryAfterMs: number | undefined;
    const later = (ms: number | undefined) => {
      if (ms !== undefined) retryAfterMs = Math.min(retryAfterMs ?? ms, ms);
    };

    const byId = new Map(state.containers.map((c) => [c.id, c]));
    await Promise.all(actions.kill.map(async (k) => {
      const c = byId.get(k.id)!;
      await this.killContainer(pod, c, grace, k.message);
      if (k.remove) await this.removeContainer(c);
    }));
    for (const id of actions.remove) await this.removeContainer(byId.get(id)!);

    let sandbox = state.sandbox;
    if (actions.start.length) {
      sandbox ??= await this.runSandbox(pod);
      const prepared = await this.o.resources.prepare(pod, sandbox).then(
        () => true,
        (err) => {
          void this.o.recorder.event(pod, 'Warning', 'FailedMount', errorMessage(err));
          return false;
        },
      );
      if (prepared) await Promise.all(actions.start.map(async (s) => later(await this.startContainer(pod, sandbox!, s))));
      else later(RETRY_START_MS);
    } else if (sandbox) {
      await this.o.resources.refresh(pod).catch((err) => this.o.log(`pod ${podFullName(pod)}: refreshing volumes: ${errorMessage(err)}`));
    }

    const after = actions.kill.length || actions.remove.length || actions.start.length ? await this.runtimeState(uid) : state;
    this.o.probes.update(pod, after);
    await this.reportStatus(pod, after, actions.deadlineExceeded);
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && !actions.deadlineExceeded && pod.status?.startTime) later(Date.parse(pod.status.startTime) + deadline * 1000 - now);
    return retryAfterMs !== undefined ? { requeueAfterMs: Math.max(1, retryAfterMs) } : {};
  }

  /** What the runtime has for the pod now. */
  async runtimeState(uid: string): Promise<PodRuntimeState> {
    const ids = [...(this.containerIds.get(uid) ?? [])];
    const statuses = await Promise.all(ids.map((id) => this.o.runtime.containerStatus(id)));
    return { sandbox: this.sandboxes.get(uid), containers: statuses.filter((c): c is ContainerStatus => c !== undefined) };
  }

  private idsOf(uid: string): Set<string> {
    let ids = this.containerIds.get(uid);
    if (!ids) this.containerIds.set(uid, (ids = new Set()));
    return ids;
  }

  private async runSandbox(pod: Pod): Promise<Sandbox> {
    const spec = pod.spec ?? { containers: [] };
    // Upstream's event when the runtime (its network, say) could not make the sandbox; the sync is retried.
    const sandbox = await this.o.runtime.runPodSandbox({
      pod: podRef(pod),
      hostname: podHostname(pod, this.o.clusterDomain).hostname,
      hostNetwork: spec.hostNetwork === true,
      hostIPC: spec.hostIPC === true,
      hostPID: spec.hostPID === true,
      shareProcessNamespace: spec.shareProcessNamespace === true,
      portMappings: podPortMappings(pod),
    }).catch((err) => {
      void this.o.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errorMessage(err)}`);
      throw err;
    });
    this.sandboxes.set(sandbox.pod.uid, sandbox);
    return sandbox;
  }

  /** Starts one container; resolves to when to try again if it could not start now. */
  private async startContainer(pod: Pod, sandbox: Sandbox, s: ContainerToStart): Promise<number | undefined> {
    const uid = pod.metadata!.uid!;
    const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === s.name)!;
    const waiting = this.waitingOf(uid);
    const now = this.o.clock.now();
    const key = `${uid}/${s.name}`;
    const failedStart = waiting.get(s.name);
    const lastEnd = s.replaces ? (s.replaces.finishedAt?.getTime() ?? now) : failedStart?.reason === 'RunContainerError' ? failedStart.at : undefined;
    if (lastEnd !== undefined) {
      const { remainingMs, delayMs } = this.crashBackoff.remaining(key, lastEnd);
      if (remainingMs > 0) {
        waiting.set(s.name, { reason: 'CrashLoopBackOff', message: `back-off ${formatBackoff(delayMs)} restarting failed container=${s.name} pod=${podFullName(pod)}`, at: now });
        void this.o.recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${s.name} in pod ${podFullName(pod)}`);
        return remainingMs;
      }
      this.crashBackoff.next(key, lastEnd);
    }

    let id: string;
    try {
      const image = await this.o.puller.ensure(pod, spec);
      // A pull can give an image already known by its ID (imported, say) its first repo digest.
      if (image.repoDigests.length) this.repoDigests.set(image.id, image.repoDigests[0]);
      const [{ env, mounts }, passwd, group] = await Promise.all([
        this.o.resources.container(pod, spec),
        readImageFile(image.layers, 'etc/passwd'),
        readImageFile(image.layers, 'etc/group'),
      ]);
      const logPath = containerLogPath(this.o.rootDir, podRef(pod), s.name, s.attempt);
      const config = buildContainerConfig({ pod, container: spec, image, attempt: s.attempt, env, mounts, logPath, passwd, group });
      try {
        id = await this.o.runtime.createContainer(sandbox, config);
        this.idsOf(uid).add(id);
      } catch (err) {
        throw new ContainerWaitingError('CreateContainerError', errorMessage(err), { cause: err });
      }
      void this.o.recorder.event(pod, 'Normal', 'Created', `Created container ${s.name}`);
      await this.o.logs.attach(id, logPath);
      this.attached.add(id);
    } catch (err) {
      if (!(err instanceof ContainerWaitingError)) throw err;
      waiting.set(s.name, { reason: err.reason, message: err.message, at: now });
      if (err.reason === 'CreateContainerConfigError' || err.reason === 'CreateContainerError') void this.o.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      return err.retryAfterMs ?? (err.reason === 'InvalidImageName' ? undefined : RETRY_START_MS);
    }

    try {
      await this.o.runtime.startContainer(id);
    } catch (err) {
      waiting.set(s.name, { reason: 'RunContainerError', message: errorMessage(err), at: now });
      void this.o.recorder.event(pod, 'Warning', 'Failed', `Error: ${errorMessage(err)}`);
      return this.crashBackoff.remaining(key, now).remainingMs || RETRY_START_MS;
    }
    waiting.delete(s.name);
    void this.o.recorder.event(pod, 'Normal', 'Started', `Started container ${s.name}`);

    const postStart = spec.lifecycle?.postStart;
    if (postStart) {
      const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
      try {
        await this.o.resources.runHook(pod, spec, id, sandbox, postStart, grace * 1000);
      } catch (err) {
        void this.o.recorder.event(pod, 'Warning', 'FailedPostStartHook', errorMessage(err));
        await this.o.runtime.stopContainer(id, grace);
      }
    }
    return undefined;
  }

  /** preStop (when the container runs), then SIGTERM and SIGKILL after what is left of the grace period. */
  private async killContainer(pod: Pod | undefined, c: ContainerStatus, graceSeconds: number, message: string): Promise<void> {
    const spec = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].find((x) => x.name === c.name);
    if (pod) void this.o.recorder.event(pod, 'Normal', 'Killing', message);
    let grace = graceSeconds;
    const preStop = spec?.lifecycle?.preStop;
    if (pod && spec && preStop && c.state === 'running') {
      const started = this.o.clock.now();
      try {
        await this.o.resources.runHook(pod, spec, c.id, this.sandboxes.get(c.pod.uid), preStop, grace * 1000);
      } catch (err) {
        void this.o.recorder.event(pod, 'Warning', 'FailedPreStopHook', errorMessage(err));
      }
      grace = Math.max(MIN_GRACE_SECONDS, grace - Math.floor((this.o.clock.now() - started) / 1000));
    }
    await this.o.runtime.stopContainer(c.id, grace);
  }

  private async removeContainer(c: ContainerStatus): Promise<void> {
    await this.o.logs.detach(c.id);
    this.attached.delete(c.id);
    await this.o.runtime.removeContainer(c.id);
    this.containerIds.get(c.pod.uid)?.delete(c.id);
  }

  /** Stops and removes everything the pod has on this node, and forgets it. */
  private async teardown(uid: string, pod: Pod | undefined, state: PodRuntimeState, graceSeconds: number): Promise<void> {
    this.o.probes.removePod(uid);
    const live = state.containers.filter((c) => c.state !== 'exited');
    await Promise.all(live.map((c) => this.killContainer(pod, c, graceSeconds, `Stopping container ${c.name}`)));
    for (const c of state.containers) await this.removeContainer(c);
    if (state.sandbox) await this.o.runtime.removePodSandbox(state.sandbox.id);
    this.sandboxes.delete(uid);
    this.containerIds.delete(uid);
    await this.o.resources.cleanup(uid);
    const ref = pod ? podRef(pod) : (state.sandbox?.pod ?? state.containers[0]?.pod);
    await rm(podDir(this.o.rootDir, uid), { recursive: true, force: true });
    if (ref) await rm(podLogDir(this.o.rootDir, ref), { recursive: true, force: true });
    this.waiting.delete(uid);
    this.written.delete(uid);
    this.crashBackoff.forgetPrefix(`${uid}/`);
    this.o.puller.forget(uid);
  }

  /** The final delete of a pod whose containers are gone: grace 0, and only this pod (uid). */
  private async deletePod(pod: Pod): Promise<void> {
    try {
      await this.o.client.delete(PODS, pod.metadata!.namespace, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Re-attaches log copying to running containers found after a restart. */
  private async attachLogs(state: PodRuntimeState): Promise<void> {
    for (const c of state.containers) {
      if (c.state !== 'running' || this.attached.has(c.id)) continue;
      await this.o.logs.attach(c.id, c.logPath);
      this.attached.add(c.id);
    }
  }

  /** PUTs the status when it says something new; a conflict re-reads the pod and computes again. */
  private async reportStatus(pod: Pod, state: PodRuntimeState, deadlineExceeded: boolean): Promise<void> {
    await this.learnRepoDigests(state);
    const uid = pod.metadata!.uid!;
    const written = this.written.get(uid);
    let current = written && written.replaced === pod.metadata?.resourceVersion ? written.pod : pod;
    for (let attempt = 0; ; attempt++) {
      const status = this.status(current, state, deadlineExceeded);
      if (sameStatus(status, current.status)) return;
      try {
        const replaced = current.metadata?.resourceVersion;
        const updated = await this.o.client.updateStatus<Pod>(PODS, { ...current, status });
        if (replaced !== undefined) this.written.set(uid, { replaced, pod: updated });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 3) throw err;
        current = await this.o.client.get<Pod>(PODS, pod.metadata!.namespace, pod.metadata!.name!);
        if (current.metadata?.uid !== pod.metadata?.uid || current.metadata?.deletionTimestamp) return;
      }
    }
  }

  private status(pod: Pod, state: PodRuntimeState, deadlineExceeded: boolean): PodStatus {
    return computePodStatus({
      pod,
      state,
      waiting: new Map([...this.waitingOf(pod.metadata!.uid!)].map(([name, { reason, message }]) => [name, { reason, ...(message ? { message } : {}) }])),
      readiness: (id) => this.o.probes.readiness(id),
      startup: (id) => this.o.probes.startup(id),
      nodeIP: this.o.nodeIP(),
      runtimeName: this.o.runtimeName,
      repoDigests: this.repoDigests,
      deadlineExceeded: deadlineExceeded || pastActiveDeadline(pod, this.o.clock.now()),
      now: this.o.clock.now(),
    });
  }

  private async learnRepoDigests(state: PodRuntimeState): Promise<void> {
    if (state.containers.every((c) => this.repoDigests.has(c.imageId))) return;
    for (const image of await this.o.images.list()) this.repoDigests.set(image.id, image.repoDigests[0] ?? image.id);
  }

  private waitingOf(uid: string): Map<string, Waiting> {
    let map = this.waiting.get(uid);
    if (!map) this.waiting.set(uid, (map = new Map()));
    return map;
  }
}

function podRef(pod: Pod): PodRef {
  return { uid: pod.metadata!.uid!, namespace: pod.metadata!.namespace!, name: pod.metadata!.name! };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
