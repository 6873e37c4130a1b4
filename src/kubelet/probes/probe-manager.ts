/**
 * Probe workers, one per running container and probe kind (startup, liveness, readiness), as
 * upstream's prober manager:
 * - a worker probes every periodSeconds once initialDelaySeconds have passed since the container
 *   started; while a startup probe has not passed, liveness and readiness wait;
 * - a verdict flips only after successThreshold passes in a row or failureThreshold failures
 *   in a row; readiness starts false, liveness true, startup unknown (not started);
 * - a failed liveness or startup verdict marks the container unhealthy (the pod worker kills
 *   and restarts it) and holds the worker until a new container replaces it;
 * - every failed probe is a Warning event "Liveness probe failed: ...", reason Unhealthy.
 * Whenever a verdict changes, `onChange(podUid)` asks the pod worker to sync the pod.
 * Time comes from an injected clock; the probes themselves are injected for tests.
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/clock.ts';
import type { EventRecorder } from '../../client/event-recorder.ts';
import type { ContainerRuntime, ContainerStatus, Sandbox } from '../runtime/runtime.ts';
import { probe as runProbe, type ProbeResult } from './prober.ts';
import type { ProbeTarget } from './target.ts';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

const KINDS: ProbeKind[] = ['startup', 'liveness', 'readiness'];
const FIELD: Record<ProbeKind, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> = { startup: 'startupProbe', liveness: 'livenessProbe', readiness: 'readinessProbe' };
const TITLE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

/** What changed for a pod; `needsRestart` when a container failed its liveness or startup probe. */
export interface ProbeChange {
  needsRestart?: { containerName: string; containerId: string; message: string };
}

export interface ProbeManagerOptions {
  runtime: Pick<ContainerRuntime, 'exec'>;
  clock: Clock;
  recorder?: Pick<EventRecorder, 'event'>;
  /** A verdict changed for the pod; the pod worker resyncs it. */
  onChange?: (podUid: string, change: ProbeChange) => void;
  /** Runs one probe; the real prober by default (tests inject their own). */
  probe?: (spec: Probe, target: ProbeTarget) => Promise<ProbeResult>;
}

/** What the manager needs of a pod's runtime state (the pod worker's PodRuntimeState fits). */
export interface PodProbeState {
  sandbox?: Pick<Sandbox, 'netnsPath' | 'ip'>;
  containers: Pick<ContainerStatus, 'id' | 'name' | 'state' | 'startedAt' | 'createdAt'>[];
}

interface Verdicts {
  podUid: string;
  startup?: boolean;
  liveness?: boolean;
  readiness?: boolean;
}

export class ProbeManager {
  private readonly workers = new Map<string, ProbeWorker>();
  /** Verdicts by container id. */
  private readonly verdicts = new Map<string, Verdicts>();
  /** Running container ids by pod uid and container name. */
  private readonly running = new Map<string, Map<string, { id: string; container: Container }>>();
  private readonly unhealthyIds = new Map<string, Set<string>>();
  private readonly probe: (spec: Probe, target: ProbeTarget) => Promise<ProbeResult>;

  constructor(private readonly o: ProbeManagerOptions) {
    this.probe = o.probe ?? runProbe;
  }

  /** Starts and stops workers so each running container of `pod` has one per probe it defines. */
  update(pod: Pod, state: PodProbeState): void {
    const uid = pod.metadata?.uid ?? '';
    const specs = new Map((pod.spec?.containers ?? []).map((c) => [c.name, c]));
    const running = new Map<string, { id: string; container: Container }>();
    const startedAt = new Map<string, number>();
    for (const c of state.containers) {
      const spec = specs.get(c.name);
      if (!spec || c.state !== 'running') continue;
      running.set(c.name, { id: c.id, container: spec });
      startedAt.set(c.id, (c.startedAt ?? c.createdAt).getTime());
    }
    this.running.set(uid, running);

    const wanted = new Set<string>();
    for (const [name, { id, container }] of running) {
      if (!this.verdicts.has(id)) this.verdicts.set(id, { podUid: uid });
      for (const kind of KINDS) {
        const spec = container[FIELD[kind]];
        if (!spec) continue;
        const key = `${uid}/${name}/${kind}`;
        wanted.add(key);
        const existing = this.workers.get(key);
        if (existing?.containerId === id) continue;
        existing?.stop();
        const target: ProbeTarget = { runtime: this.o.runtime, containerId: id, netnsPath: state.sandbox?.netnsPath, podIP: state.sandbox?.ip ?? pod.status?.podIP, pod, container };
        const worker = new ProbeWorker(this.hooks(target, kind), kind, withDefaults(spec), id, startedAt.get(id)!, Boolean(container.startupProbe));
        this.workers.set(key, worker);
        worker.start();
      }
    }
    for (const [key, worker] of this.workers) {
      if (key.startsWith(`${uid}/`) && !wanted.has(key)) {
        worker.stop();
        this.workers.delete(key);
      }
    }
    this.forgetGone(uid, new Set([...running.values()].map((r) => r.id)));
  }

  /** Stops the pod's workers and forgets its verdicts. */
  removePod(podUid: string): void {
    for (const [key, worker] of this.workers) {
      if (key.startsWith(`${podUid}/`)) {
        worker.stop();
        this.workers.delete(key);
      }
    }
    this.running.delete(podUid);
    this.forgetGone(podUid, new Set());
  }

  /** The readiness verdict of a container with a readiness probe; undefined without one. */
  readiness(containerId: string): boolean | undefined {
    return this.verdicts.get(containerId)?.readiness;
  }

  /** The startup verdict of a container with a startup probe; undefined without one. */
  startup(containerId: string): boolean | undefined {
    return this.verdicts.get(containerId)?.startup;
  }

  /** Ids of the pod's running containers whose liveness or startup probe has failed. */
  unhealthy(podUid: string): ReadonlySet<string> {
    return this.unhealthyIds.get(podUid) ?? new Set();
  }

  /** Whether the container runs, has started and passes its readiness probe (if any). */
  isReady(podUid: string, containerName: string): boolean {
    const r = this.running.get(podUid)?.get(containerName);
    if (!r || !this.isStarted(podUid, containerName)) return false;
    return r.container.readinessProbe ? this.readiness(r.id) === true : true;
  }

  /** Whether the container runs and has passed its startup probe (if any). */
  isStarted(podUid: string, containerName: string): boolean {
    const r = this.running.get(podUid)?.get(containerName);
    if (!r) return false;
    return r.container.startupProbe ? this.startup(r.id) === true : true;
  }

  /** Stops every worker. */
  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  /** What a worker may see and do: its clock, the prober, its container's verdicts, events. */
  private hooks(target: ProbeTarget, kind: ProbeKind): WorkerHooks {
    const verdicts = () => this.verdicts.get(target.containerId);
    return {
      clock: this.o.clock,
      probe: (spec) => this.probe(spec, target),
      started: () => verdicts()?.startup === true,
      initial: (value) => {
        const v = verdicts();
        if (v) v[kind] = value;
      },
      set: (value) => this.setVerdict(target, kind, value),
      event: (reason, message) => void this.o.recorder?.event(target.pod, 'Warning', reason, message),
    };
  }

  /** Records a new verdict and tells the pod worker; a failed liveness or startup verdict marks the container unhealthy. */
  private setVerdict(target: ProbeTarget, kind: ProbeKind, value: boolean): void {
    const uid = target.pod.metadata?.uid ?? '';
    const v = this.verdicts.get(target.containerId);
    if (!v || v[kind] === value) return;
    v[kind] = value;
    const change: ProbeChange = {};
    if (!value && kind !== 'readiness') {
      const ids = this.unhealthyIds.get(uid) ?? new Set<string>();
      ids.add(target.containerId);
      this.unhealthyIds.set(uid, ids);
      change.needsRestart = { containerName: target.container.name, containerId: target.containerId, message: `Container ${target.container.name} failed ${kind} probe, will be restarted` };
    }
    this.o.onChange?.(uid, change);
  }

  private forgetGone(uid: string, keep: Set<string>): void {
    for (const [id, v] of this.verdicts) if (v.podUid === uid && !keep.has(id)) this.verdicts.delete(id);
    const ids = this.unhealthyIds.get(uid);
    if (ids) for (const id of ids) if (!keep.has(id)) ids.delete(id);
  }
}

/** Kubernetes's defaults for fields a probe leaves out (the API server normally fills them). */
function withDefaults(p: Probe): Required<Pick<Probe, 'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'successThreshold' | 'failureThreshold'>> & Probe {
  return {
    ...p,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds || 10,
    timeoutSeconds: p.timeoutSeconds || 1,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
}

interface WorkerHooks {
  clock: Clock;
  probe(spec: Probe): Promise<ProbeResult>;
  /** Whether the container has passed its startup probe. */
  started(): boolean;
  /** Sets the starting verdict (no event, no resync). */
  initial(value: boolean | undefined): void;
  set(value: boolean): void;
  event(reason: string, message: string): void;
}

/** Probes one container with one probe, on the manager's clock, until stopped. */
class ProbeWorker {
  private cancelTimer?: () => void;
  private stopped = false;
  private lastOutcome?: boolean;
  private run = 0;
  /** After a liveness or startup failure: no more probing of this container. */
  private onHold = false;

  constructor(
    private readonly hooks: WorkerHooks,
    private readonly kind: ProbeKind,
    private readonly spec: ReturnType<typeof withDefaults>,
    readonly containerId: string,
    private readonly startedAt: number,
    private readonly hasStartupProbe: boolean,
  ) {}

  start(): void {
    const initial = { startup: undefined, liveness: true, readiness: false }[this.kind];
    this.hooks.initial(initial);
    const firstAt = this.startedAt + this.spec.initialDelaySeconds * 1000;
    this.schedule(Math.max(0, firstAt - this.hooks.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelTimer = this.hooks.clock.setTimer(ms, () => void this.tick());
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.onHold && this.gateOpen()) await this.probeOnce();
    } finally {
      this.schedule(this.spec.periodSeconds * 1000);
    }
  }

  /** Startup probes stop once passed; the others wait for them. */
  private gateOpen(): boolean {
    const started = this.hooks.started();
    if (this.kind === 'startup') return !started;
    return !this.hasStartupProbe || started;
  }

  private async probeOnce(): Promise<void> {
    const result = await this.hooks.probe(this.spec);
    if (this.stopped) return;
    const title = TITLE[this.kind];
    if (result.outcome === 'unknown') {
      this.hooks.event('Unhealthy', `${title} probe errored: ${result.output}`);
      return;
    }
    if (result.outcome === 'failure') this.hooks.event('Unhealthy', `${title} probe failed: ${result.output}`);
    if (result.outcome === 'warning') this.hooks.event('ProbeWarning', `${title} probe warning: ${result.output}`);
    const passed = result.outcome !== 'failure';
    this.run = this.lastOutcome === passed ? this.run + 1 : 1;
    this.lastOutcome = passed;
    if (passed && this.run < this.spec.successThreshold) return;
    if (!passed && this.run < this.spec.failureThreshold) return;
    this.hooks.set(passed);
    if (!passed && this.kind !== 'readiness') {
      this.onHold = true;
      this.run = 0;
    }
  }
}
