/**
 * The ContainerRuntime over runc (or crun): one OCI bundle per container in
 * `rootDir/containers/<id>/`, its rootfs an overlay of the image's layers, its namespaces the
 * sandbox's (sandbox.ts). No daemon, and no state in this process beyond a cache of what is
 * final on disk: a new OciRuntime over the same rootDir sees exactly what the last one left, so
 * containers outlive the kubelet.
 *
 * Exit status — why a host-side monitor. Only a process's parent can reap it and learn how it
 * ended; `runc create` leaves the container's init orphaned (reparented to the node's init,
 * which reaps it and throws the status away), and `runc state` afterwards only says "stopped".
 * The options weighed:
 *  - wrapping the command inside the container (a bind-mounted busybox running
 *    `sh -c 'CMD; echo $? > /.skiff/exit'`): the shell becomes PID 1, so SIGTERM no longer
 *    reaches the command (PID 1 ignores signals it has no handler for), argv and /proc/1
 *    change, and a read-only or distroless image still needs the extra mount;
 *  - polling /proc/PID/stat for a zombie's exit code: racy, the reaper wins;
 *  - the kubelet as a child subreaper: only while it runs, and containers must outlive it.
 * Chosen: each container has a small detached monitor on the host (monitor.ts: busybox's shell)
 * that runs `runc run --keep` in the foreground. runc is then the init's parent (and a
 * subreaper), waits for it and exits with its status (128+signal when killed); the shell writes
 * that to the exit file, whose mtime is finishedAt. The container's init is the real command,
 * PID 1 semantics intact. `--keep` keeps the container's cgroup until removeContainer, so the
 * memory cgroup's oom_kill counter is still there to read (OOMKilled); crun has no `--keep`, so
 * with crun the kubelet makes the cgroups itself and the monitor joins them (container-cgroups.ts).
 * A container that could not start (e.g. its command is not in the image) leaves an exit file
 * but no pid file, and the runtime's JSON log holds the reason: state exited, exit code 128,
 * reason StartError, its message. The cost is a shell and a runtime process per running
 * container — what conmon or a containerd shim costs elsewhere. If the monitor is killed the
 * container runs on, but its exit status is lost (reported as 255 with a message saying so):
 * run the kubelet with a service manager that does not kill its whole process group or cgroup on
 * stop (systemd KillMode=process).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig, ContainerRuntime, ContainerStatus, ExecOptions, Sandbox, SandboxConfig } from './runtime.ts';
import { annotationKeys, containerFiles, isRuntimeAnnotation, type ContainerFiles } from './container-files.ts';
import { nodeCapabilities } from './capabilities.ts';
import { CGROUP_ROOT, cgroupLayout, oomKillCount, prepareContainerCgroups, removeContainerCgroups, type CgroupLayout } from './container-cgroups.ts';
import { buildOciSpec, containerCgroupPath, podCgroupPath, type OciSpec, type PidNamespace } from './oci-spec.ts';
import { createMonitor, monitorAlive, readSmallFile, releaseMonitor, awaitStarted } from './monitor.ts';
import { prepareRootfs, unmountRootfs } from './rootfs.ts';
import { lastLoggedError, Runc } from './runc.ts';
import { defaultSpawner } from './spawner.ts';
import { moveIdleControllersToV1 } from './unified-controllers.ts';
import { defaultMounter } from './mounter.ts';
import { ensureSandbox, listSandboxes, readSandbox, removePodCgroups, removeSandbox, sandboxId, type SandboxNetwork, type SandboxRecord, type SandboxStoreOptions } from './sandbox.ts';
import { processExists } from '../process-exists.ts';

/**
 * The runtime could not start the container (e.g. its command is not in the image): the pod's
 * waiting reason is RunContainerError; the container's status says exited 128, StartError.
 */
export class RunContainerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunContainerError';
  }
}

/** An exec into a container that is not running. */
export class ContainerNotRunningError extends Error {
  constructor(readonly containerId: string, readonly state: string) {
    super(`container ${containerId} is not running (${state})`);
    this.name = 'ContainerNotRunningError';
  }
}

/** An operation on a container the runtime does not have. */
export class ContainerNotFoundError extends Error {
  constructor(readonly containerId: string) {
    super(`container ${containerId} not found`);
    this.name = 'ContainerNotFoundError';
  }
}

export interface OciRuntimeOptions {
  /** The kubelet's root (DATA_DIR/agent): containers/, sandboxes/, runc/ go below it. */
  rootDir: string;
  /**
   * The OCI runtime binary that creates containers: 'crun' (default; the kubelet makes its
   * cgroups) or 'runc', or a path to one. Containers another runtime made are still stopped,
   * removed and exec'd into with theirs (its name is in the bundle).
   */
  runtime?: string;
  /** Where sandbox namespace files are bind-mounted; default /run/skiff. */
  namespaceDir?: string;
  /** The pod network sandboxes get; without one, loopback only. */
  network?: SandboxNetwork;
  /** Where the runtime says what it changed on the node (unified-controllers.ts). Default: nowhere. */
  log?: (line: string) => void;
}

/** A started container's init: its pid, and when /proc last showed that pid to be it. */
interface StartedInit {
  pid: number;
  at: Date;
  /** Date.now() of the last full check (processAlive), while it said alive. */
  checkedAt?: number;
}

/** A container as far as its files are final: see OciRuntime.known. */
interface KnownContainer {
  /** The status from the config alone (state created). */
  base: ContainerStatus;
  /** The runtime that made it ('runc' or 'crun'). */
  runtime: string;
  started?: StartedInit;
  /** The exit part of the status, once the exit file has said it. */
  exited?: Partial<ContainerStatus>;
}

/**
 * The runtime when none is named. crun where the kubelet makes the containers' cgroups itself
 * (cgroup v1 and hybrid nodes): it costs about 65 ms of CPU a container to runc's 111 here
 * (bench/pod-startup). runc on a cgroup v2-only node, where crun would run without a cgroup
 * manager and so without limits.
 */
export function defaultOciRuntime(cgroupRoot = CGROUP_ROOT): 'crun' | 'runc' {
  return cgroupV2Only(cgroupRoot) ? 'runc' : 'crun';
}

/** A node with the unified cgroup hierarchy alone (no v1 controllers). */
export function cgroupV2Only(cgroupRoot = CGROUP_ROOT): boolean {
  return existsSync(join(cgroupRoot, 'cgroup.controllers'));
}

/** How long the runtime binary's version is kept (see OciRuntime.version). */
const VERSION_CACHE_MS = 5 * 60_000;

/** Exit code upstream reports for a container that could not start. */
const START_ERROR_EXIT_CODE = 128;
/** Exit code when the monitor died without recording the status (killed, or a reboot). */
const LOST_EXIT_CODE = 255;

/** The ContainerRuntime over runc: everything on disk under rootDir (see the file's comment). */
export class OciRuntime implements ContainerRuntime {
  private readonly runc: Runc;
  private readonly rootDir: string;
  private readonly sandboxes: SandboxStoreOptions;
  private capabilities?: Promise<Set<string>>;
  /** The node's cgroup hierarchies, looked at once: where the kubelet makes cgroups for crun. */
  private cgroups?: Promise<CgroupLayout>;
  /**
   * What this runtime has learnt of each container: its config (immutable after create), its
   * init's pid once started and its end once exited — so a status reads only what can still
   * change. The directory is still checked on every status: it is the truth.
   */
  private readonly known = new Map<string, KnownContainer>();
  private versionCache?: { at: number; value: Promise<{ name: string; version: string }> };
  private readonly log: (line: string) => void;
  /** Sandbox set-ups in flight, so two calls for one pod never mount its namespaces twice. */
  private readonly sandboxSetups = new Map<string, Promise<SandboxRecord>>();

  constructor(options: OciRuntimeOptions) {
    this.rootDir = options.rootDir;
    this.runc = new Runc({ binary: options.runtime ?? defaultOciRuntime(), root: join(options.rootDir, 'runc') });
    this.sandboxes = { rootDir: options.rootDir, namespaceDir: options.namespaceDir ?? '/run/skiff', network: options.network };
    this.log = options.log ?? (() => {});
  }

  /**
   * The runtime binary's version. Asked with each node status check (every 10 s), and each ask is
   * a process (two with crun, which re-executes itself): kept for a few minutes, so an upgraded
   * binary still shows up without a restart.
   */
  version(): Promise<{ name: string; version: string }> {
    const now = Date.now();
    if (!this.versionCache || now - this.versionCache.at > VERSION_CACHE_MS) {
      const value = this.runc.version();
      this.versionCache = { at: now, value };
      // A failed ask is not kept.
      value.catch(() => {
        if (this.versionCache?.value === value) this.versionCache = undefined;
      });
    }
    return this.versionCache.value;
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const id = sandboxId(config.pod.uid);
    let setup = this.sandboxSetups.get(id);
    if (!setup) {
      setup = ensureSandbox(config, this.sandboxes).finally(() => this.sandboxSetups.delete(id));
      this.sandboxSetups.set(id, setup);
    }
    return toSandbox(await setup);
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const record = await readSandbox(sandboxId, this.sandboxes);
    await Promise.all((await this.containerIdsOf(sandboxId)).map((id) => this.removeContainer(id)));
    await removeSandbox(sandboxId, this.sandboxes);
    if (record) await removePodCgroups(podCgroupPath(record.pod.uid));
  }

  async listPodSandboxes(): Promise<Sandbox[]> {
    return (await listSandboxes(this.sandboxes)).map(toSandbox);
  }

  async createContainer(sandbox: Sandbox, config: ContainerConfig): Promise<string> {
    const record = await readSandbox(sandbox.id, this.sandboxes);
    const id = randomBytes(16).toString('hex');
    const files = containerFiles(this.rootDir, id);
    // Synchronous file calls on the container's own directory, here and below: small files on the
    // kubelet's disk, where each promise-based call costs the event loop more than the I/O.
    mkdirSync(files.dir, { recursive: true });
    try {
      const overlayOptions = await prepareRootfs(files, config.rootfsLayers);
      const cgroupPath = containerCgroupPath(sandbox.pod.uid, id);
      const spec = buildOciSpec(sandbox, config, {
        containerId: id,
        rootfsPath: files.rootfs,
        pidNamespace: pidNamespace(record),
        ...(record?.config.hostIPC ? { shmPath: '/dev/shm' } : record?.shmPath ? { shmPath: record.shmPath } : {}),
        ...(record?.utsnsPath ? { hostname: record.config.hostname } : {}),
        ...(this.runc.managesCgroups ? { cgroupsPath: cgroupPath } : {}),
        createdAt: new Date(),
        nodeCapabilities: await (this.capabilities ??= nodeCapabilities()),
      });
      spec.annotations[annotationKeys.runtime] = this.runc.name;
      writeFileSync(files.config, JSON.stringify(spec));
      const layout = await this.ownCgroups(this.runc);
      const cgroups = layout ? await prepareContainerCgroups(layout, cgroupPath, spec.linux.resources) : undefined;
      const run = await this.runc.runCommand(id, files);
      // In the node's mount namespace, with other containers' (mounter.ts); in the monitor's own, by the monitor.
      if (!layout?.busyUnified) await defaultMounter().mountOverlay(files.rootfs, overlayOptions);
      const monitorPid = await createMonitor(files, {
        ...(layout?.busyUnified ? { overlayOptions } : {}),
        stdin: config.stdin,
        runcArgv: run.argv,
        env: run.env,
        ...(cgroups ? { cgroups } : {}),
        ...(layout?.busyUnified ? { hideMount: layout.busyUnified } : {}),
      });
      writeFileSync(files.monitorPid, String(monitorPid));
    } catch (err) {
      // Never remove the directory through a rootfs that is still mounted.
      const unmounted = await unmountRootfs(files).then(() => true, () => false);
      if (unmounted) await rm(files.dir, { recursive: true, force: true }).catch(() => undefined);
      const layout = await this.ownCgroups(this.runc);
      if (layout) await removeContainerCgroups(layout, containerCgroupPath(sandbox.pod.uid, id)).catch(() => undefined);
      throw err;
    }
    return id;
  }

  /** The layout to make containers' cgroups in when `runc` makes none (crun on cgroup v1); else undefined. */
  private async ownCgroups(runc: Runc): Promise<CgroupLayout | undefined> {
    if (runc.managesCgroups) return undefined;
    const layout = await this.cgroupLayout();
    return layout.v1.length ? layout : undefined;
  }

  /**
   * The node's cgroup layout, looked at once. Where crun makes the containers (no cgroup
   * manager) on a hybrid layout with controllers on its cgroup2 mount, those no cgroup2 group
   * uses are first given v1 hierarchies, so the monitors need no mount namespace of their own
   * (unified-controllers.ts).
   */
  private cgroupLayout(): Promise<CgroupLayout> {
    return (this.cgroups ??= (async () => {
      const layout = await cgroupLayout();
      if (!layout.busyUnified || this.runc.managesCgroups) return layout;
      const { moved, failed } = await moveIdleControllersToV1(CGROUP_ROOT, (args) => defaultSpawner().run(['mount', ...args]));
      if (moved.length) this.log(`kubelet: mounted cgroup controller(s) ${moved.join(', ')} as v1 hierarchies under ${CGROUP_ROOT} (they sat unused on the cgroup2 mount, where crun refuses them)`);
      for (const f of failed) this.log(`kubelet: cgroup controller ${f.controller} stays on the cgroup2 mount (${f.reason}); crun's containers are started in mount namespaces that hide it`);
      // Looked at again whatever happened: another kubelet may have moved them meanwhile.
      return cgroupLayout();
    })());
  }

  /** The driver of the runtime that made a container (this one's, unless the node switched runtimes). */
  private runcFor(known: KnownContainer | undefined): Runc {
    if (!known || known.runtime === this.runc.name) return this.runc;
    return new Runc({ binary: known.runtime, root: this.runc.root });
  }

  async startContainer(id: string): Promise<void> {
    const files = containerFiles(this.rootDir, id);
    if (!existsSync(files.config)) throw new ContainerNotFoundError(id);
    if (existsSync(files.pid) || existsSync(files.exit)) return;
    try {
      await releaseMonitor(files);
    } catch (err) {
      throw new RunContainerError((err as Error).message);
    }
    if (!(await awaitStarted(files))) {
      const log = await readFile(files.runcLog, 'utf8').catch(() => '');
      throw new RunContainerError(lastLoggedError(log) ?? 'the container exited before it started');
    }
  }

  async stopContainer(id: string, gracePeriodSeconds: number): Promise<void> {
    const status = await this.containerStatus(id);
    if (!status || status.state !== 'running' || !status.pid) return;
    await this.signal(status, 'SIGTERM');
    if (await this.waitForExit(id, gracePeriodSeconds * 1000)) return;
    await this.signal(status, 'SIGKILL');
    await this.waitForExit(id, Infinity);
  }

  async removeContainer(id: string): Promise<void> {
    const files = containerFiles(this.rootDir, id);
    // The monitor first: it would otherwise write the exit file into a directory being removed
    // (or, never started, wait forever).
    if (await monitorAlive(files)) {
      try {
        process.kill(Number(await readFile(files.monitorPid, 'utf8')), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    const known = this.known.get(id) ?? (await this.learn(id, files));
    const runc = this.runcFor(known);
    await runc.delete(id, { force: true });
    await unmountRootfs(files);
    const layout = await this.ownCgroups(runc);
    if (layout && known) await removeContainerCgroups(layout, containerCgroupPath(known.base.pod.uid, id));
    await rm(files.dir, { recursive: true, force: true, maxRetries: 3 });
    this.known.delete(id);
  }

  async listContainers(filter: { podUid?: string } = {}): Promise<ContainerStatus[]> {
    const ids = await readdir(join(this.rootDir, 'containers')).catch(() => [] as string[]);
    const statuses = await Promise.all(ids.map((id) => this.containerStatus(id)));
    return statuses.filter((s): s is ContainerStatus => s !== undefined && (!filter.podUid || s.pod.uid === filter.podUid));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const files = containerFiles(this.rootDir, id);
    // One readdir says whether the container still exists (another runtime over this root may
    // have removed it) and which of its state files the monitor and runc have written so far.
    // Synchronous, as the /proc reads below (monitor.ts readSmallFile): the PLEG asks this of
    // every container every second.
    let names: Set<string>;
    try {
      names = new Set(readdirSync(files.dir));
    } catch {
      this.known.delete(id);
      return undefined;
    }
    const known = this.known.get(id) ?? (await this.learn(id, files));
    if (!known) return undefined;
    const { base } = known;
    if (known.exited) return { ...base, ...known.exited };
    if (!known.started && names.has('pid')) {
      const [at, text] = [await mtime(files.pid), readSmallFile(files.pid)];
      const pid = Number(text.trim());
      // runc writes the pid file whole (write, then rename), crun in one write: a number here is final.
      if (at && pid > 0) known.started = { pid, at };
    }
    const started = known.started?.at;
    const exited = names.has('exit') ? await this.exitRecord(files, base.pod.uid, id, started) : undefined;
    if (exited) {
      known.exited = { ...exited, ...(started ? { startedAt: started } : {}) };
      return { ...base, ...known.exited };
    }
    if (!known.started) return base;
    const { pid } = known.started;
    if ((await initAlive(known.started)) || (await monitorAlive(files))) {
      return { ...base, state: 'running', pid, startedAt: known.started.at };
    }
    // The monitor may have written the exit file between the two looks.
    const late = await this.exitRecord(files, base.pod.uid, id, started);
    if (late) {
      known.exited = { ...late, startedAt: known.started.at };
      return { ...base, ...known.exited };
    }
    return {
      ...base,
      state: 'exited',
      startedAt: known.started.at,
      finishedAt: new Date(),
      exitCode: LOST_EXIT_CODE,
      reason: 'Error',
      message: 'the container exited but its exit status was lost: its monitor was killed or the node restarted',
    };
  }

  /** Reads a container's config once (it never changes after create) and remembers what it says. */
  private async learn(id: string, files: ContainerFiles): Promise<KnownContainer | undefined> {
    const spec = await readSpec(files);
    if (!spec) return undefined;
    const a = spec.annotations;
    const known: KnownContainer = {
      base: {
        id,
        sandboxId: a[annotationKeys.sandboxId],
        pod: { uid: a[annotationKeys.podUid], namespace: a[annotationKeys.podNamespace], name: a[annotationKeys.podName] },
        name: a[annotationKeys.containerName],
        attempt: Number(a[annotationKeys.attempt]),
        image: a[annotationKeys.image],
        imageId: a[annotationKeys.imageId],
        state: 'created',
        createdAt: new Date(a[annotationKeys.createdAt]),
        logPath: a[annotationKeys.logPath],
        annotations: Object.fromEntries(Object.entries(a).filter(([k]) => !isRuntimeAnnotation(k))),
      },
      // Bundles from before the annotation were all runc's.
      runtime: a[annotationKeys.runtime] ?? 'runc',
    };
    this.known.set(id, known);
    return known;
  }

  async exec(id: string, argv: string[], options: ExecOptions): Promise<{ exitCode: number }> {
    const status = await this.containerStatus(id);
    if (!status) throw new ContainerNotFoundError(id);
    if (status.state !== 'running') throw new ContainerNotRunningError(id, status.state);
    const pidFile = join(containerFiles(this.rootDir, id).dir, `exec-${randomBytes(6).toString('hex')}.pid`);
    const runc = this.runcFor(this.known.get(id));
    const layout = await this.ownCgroups(runc);
    const cgroupDirs = layout ? layout.v1.map((h) => join(h, containerCgroupPath(status.pod.uid, id))) : [];
    try {
      return await runc.exec(id, argv, { ...options, pidFile, cgroupDirs });
    } finally {
      await rm(pidFile, { force: true });
    }
  }

  /** The container's stdio FIFOs, for the logger (and attach) to open. */
  containerStdioPaths(containerId: string): { stdout: string; stderr: string; stdin?: string } {
    const files = containerFiles(this.rootDir, containerId);
    return { stdout: files.stdout, stderr: files.stderr, ...(existsSync(files.stdin) ? { stdin: files.stdin } : {}) };
  }

  /** The container's bundle directory (config.json, FIFOs). */
  containerDir(containerId: string): string {
    return containerFiles(this.rootDir, containerId).dir;
  }

  /** The containers of a sandbox, from their bundles' annotations alone (no state lookups). */
  private async containerIdsOf(sandboxId: string): Promise<string[]> {
    const ids = await readdir(join(this.rootDir, 'containers')).catch(() => [] as string[]);
    const known = await Promise.all(ids.map((id) => this.known.get(id) ?? this.learn(id, containerFiles(this.rootDir, id))));
    return ids.filter((_, i) => known[i]?.base.sandboxId === sandboxId);
  }

  /**
   * Signals the container's init directly (what `runc kill` does, without a process to spawn;
   * the pid was checked against its start time by containerStatus). SIGKILL also goes to every
   * process in the container's cgroup: in a shared or the host's PID namespace, the init is not
   * PID 1 and its death takes no one with it.
   */
  private async signal(status: ContainerStatus, signal: NodeJS.Signals): Promise<void> {
    const pids = [status.pid!];
    if (signal === 'SIGKILL') {
      const procs = await readFile(join('/sys/fs/cgroup/memory', containerCgroupPath(status.pod.uid, status.id), 'cgroup.procs'), 'utf8').catch(() => '');
      const dir = containerFiles(this.rootDir, status.id).dir;
      for (const pid of procs.split('\n').filter(Boolean).map(Number)) {
        // The monitor and the runtime waiting on the init share the cgroups the kubelet made: spare
        // them (their command lines name the container's directory), or the exit status is lost.
        if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').some((arg) => arg.includes(dir))) pids.push(pid);
      }
    }
    for (const pid of new Set(pids)) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  }

  /** Waits until the container is no longer running; false when `timeoutMs` passed first. */
  private async waitForExit(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const status = await this.containerStatus(id);
      if (!status || status.state !== 'running') return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    }
  }

  /** The exit part of a status, once the monitor has written the exit file. */
  private async exitRecord(files: ContainerFiles, podUid: string, id: string, started: Date | undefined): Promise<Partial<ContainerStatus> | undefined> {
    const text = (await readFile(files.exit, 'utf8').catch(() => '')).trim();
    // Empty: the shell has opened the file but not written yet.
    if (text === '') return undefined;
    const finishedAt = (await mtime(files.exit)) ?? new Date();
    if (!started) {
      const log = await readFile(files.runcLog, 'utf8').catch(() => '');
      return {
        state: 'exited',
        finishedAt,
        exitCode: START_ERROR_EXIT_CODE,
        reason: 'StartError',
        message: lastLoggedError(log) ?? `the container could not start (runtime exit status ${text})`,
      };
    }
    const exitCode = Number(text);
    const reason = (await this.oomKilled(podUid, id)) ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    return { state: 'exited', finishedAt, exitCode, reason };
  }

  /**
   * The memory cgroup counts the OOM kills inside it; runc keeps the cgroup until delete
   * (--keep), and the cgroups the kubelet makes for crun stay until removeContainer.
   */
  private async oomKilled(podUid: string, id: string): Promise<boolean> {
    return (await oomKillCount(await this.cgroupLayout(), containerCgroupPath(podUid, id))) > 0;
  }
}

function toSandbox(record: SandboxRecord): Sandbox {
  return {
    id: record.id,
    pod: record.pod,
    ...(record.netnsPath ? { netnsPath: record.netnsPath } : {}),
    ...(record.ipcnsPath ? { ipcnsPath: record.ipcnsPath } : {}),
    ...(record.utsnsPath ? { utsnsPath: record.utsnsPath } : {}),
    ...(record.ip ? { ip: record.ip } : {}),
    createdAt: record.createdAt,
  };
}

function pidNamespace(record: SandboxRecord | undefined): PidNamespace {
  if (record?.config.hostPID) return { mode: 'host' };
  if (record?.pidnsPath) return { mode: 'pod', path: record.pidnsPath };
  return { mode: 'container' };
}

async function readSpec(files: ContainerFiles): Promise<OciSpec | undefined> {
  try {
    return JSON.parse(readFileSync(files.config, 'utf8')) as OciSpec;
  } catch {
    return undefined;
  }
}

async function mtime(path: string): Promise<Date | undefined> {
  try {
    return statSync(path).mtime;
  } catch {
    return undefined;
  }
}

let bootTimeSeconds: number | undefined;

/** Clock ticks per second of /proc/PID/stat's starttime (USER_HZ, 100 on every Linux port that matters). */
const CLOCK_TICKS = 100;

/**
 * How long a container's init, once /proc has shown its pid to be the container's, is taken to
 * be alive on a signal-0 probe alone. The PLEG asks this of every running container every
 * second, and reading /proc/PID/stat costs the event loop twenty times the probe. What the probe
 * cannot tell — the pid reused by a later process, or an init exited but not yet reaped — only
 * matters once the monitor is gone too (it writes the exit file, and while it runs the container
 * counts as running anyway), and the next full check sees it.
 */
const INIT_RECHECK_MS = 10_000;

/** Whether the container's init still runs (see INIT_RECHECK_MS). */
async function initAlive(init: StartedInit): Promise<boolean> {
  const now = Date.now();
  if (init.checkedAt !== undefined && now - init.checkedAt < INIT_RECHECK_MS && processExists(init.pid)) return true;
  const alive = await processAlive(init.pid, init.at);
  init.checkedAt = alive ? now : undefined;
  return alive;
}

/**
 * Whether `pid` is a live (not zombie) process that started no later than `startedBy` — a pid
 * reused by a later process fails the second test.
 */
async function processAlive(pid: number, startedBy: Date): Promise<boolean> {
  if (!(pid > 0)) return false;
  const stat = readSmallFile(`/proc/${pid}/stat`);
  if (!stat) return false;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  if (bootTimeSeconds === undefined) {
    const procStat = await readFile('/proc/stat', 'utf8');
    bootTimeSeconds = Number(/^btime (\d+)$/m.exec(procStat)?.[1] ?? 0);
  }
  const startSeconds = bootTimeSeconds + Number(fields[19]) / CLOCK_TICKS;
  // btime has one-second resolution: allow for it.
  return startSeconds <= startedBy.getTime() / 1000 + 2;
}
