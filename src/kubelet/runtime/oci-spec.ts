/**
 * The OCI runtime spec (a bundle's config.json) for one container of a pod — pure: the sandbox
 * says which namespaces to join, the ContainerConfig says what to run and with which limits.
 * Defaults follow runc's own `runc spec` and containerd's CRI plugin: the usual /proc, /dev, /sys
 * mounts, masked and read-only kernel paths, a default-deny device cgroup with the usual allow
 * list; a privileged container gets every capability, no masked paths, writable /sys and the
 * host's devices.
 */
import type { ContainerConfig, Sandbox } from './runtime.ts';
import { annotationKeys } from './container-files.ts';

/** The subset of the OCI runtime spec (v1.0.2) the runtime writes. */
export interface OciSpec {
  ociVersion: string;
  hostname?: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    cgroupsPath?: string;
    namespaces: { type: string; path?: string }[];
    resources: {
      devices: { allow: boolean; type?: string; major?: number; minor?: number; access: string }[];
      cpu?: { shares?: number; quota?: number; period?: number };
      memory?: { limit: number; swap: number };
    };
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/** One entry of the spec's `mounts`. */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** How the container's PID namespace is chosen. */
export type PidNamespace =
  /** Its own, the container's init is PID 1 (the default). */
  | { mode: 'container' }
  /** The pod's shared one (shareProcessNamespace), by path. */
  | { mode: 'pod'; path: string }
  /** The node's (hostPID). */
  | { mode: 'host' };

/** What the spec needs besides the sandbox and the container's config. */
export interface OciSpecOptions {
  containerId: string;
  /** The overlay mount point. */
  rootfsPath: string;
  pidNamespace: PidNamespace;
  /** Absent when the runtime applies no cgroups (crun with --cgroup-manager=disabled). */
  cgroupsPath?: string;
  createdAt: Date;
  /** The pod's shared /dev/shm directory (the node's /dev/shm for hostIPC); absent: a tmpfs of the container's own. */
  shmPath?: string;
  /**
   * The pod's hostname, which the runtime sets in the pod's UTS namespace as each container starts
   * (as containerd sets it in every container of a sandbox). Absent: the namespace keeps its own
   * (the node's, for hostNetwork).
   */
  hostname?: string;
  /** The node's bounding set (capabilities.ts): capabilities outside it are left out. Default: no filter. */
  nodeCapabilities?: Set<string>;
}

/** runc's default masked paths: kernel information a container has no business reading. */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];

/** runc's default read-only paths: kernel knobs a container must not turn. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Device cgroup: deny everything, then allow the devices every container's /dev has. */
const DEFAULT_DEVICE_RULES: OciSpec['linux']['resources']['devices'] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts/*
  { allow: true, type: 'c', access: 'm' }, // mknod of any char device (docker's default)
  { allow: true, type: 'b', access: 'm' },
];

const NO_EXEC = ['nosuid', 'noexec', 'nodev'];

/** The bundle config for `config` running in `sandbox`. */
export function buildOciSpec(sandbox: Sandbox, config: ContainerConfig, options: OciSpecOptions): OciSpec {
  const privileged = config.privileged;
  const caps = config.capabilities.filter((c) => !options.nodeCapabilities || options.nodeCapabilities.has(c));
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    ...(options.hostname ? { hostname: options.hostname } : {}),
    process: {
      // Pod spec `tty: true` is not supported: stdio is FIFOs so the container outlives the kubelet.
      terminal: false,
      user: { uid: config.user.uid, gid: config.user.gid, ...(config.user.additionalGids.length ? { additionalGids: [...config.user.additionalGids] } : {}) },
      args: [...config.args],
      env: [...config.env],
      cwd: config.workingDir || '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      noNewPrivileges: config.noNewPrivileges,
    },
    root: { path: options.rootfsPath, readonly: config.readOnlyRootFilesystem },
    mounts: [...systemMounts(privileged, options.shmPath), ...config.mounts.map(bindMount)],
    annotations: {
      ...config.annotations,
      [annotationKeys.podUid]: sandbox.pod.uid,
      [annotationKeys.podNamespace]: sandbox.pod.namespace,
      [annotationKeys.podName]: sandbox.pod.name,
      [annotationKeys.sandboxId]: sandbox.id,
      [annotationKeys.containerName]: config.name,
      [annotationKeys.attempt]: String(config.attempt),
      [annotationKeys.createdAt]: options.createdAt.toISOString(),
      [annotationKeys.image]: config.image,
      [annotationKeys.imageId]: config.imageId,
      [annotationKeys.logPath]: config.logPath,
      [annotationKeys.stdin]: String(config.stdin),
    },
    linux: {
      ...(options.cgroupsPath ? { cgroupsPath: options.cgroupsPath } : {}),
      namespaces: namespaces(sandbox, options.pidNamespace),
      resources: {
        devices: privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES.map((r) => ({ ...r })),
        ...cpu(config),
        ...memory(config),
      },
      ...(privileged ? {} : { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS] }),
    },
  };
  return spec;
}

/** The cgroup (v1 path, below each controller's root) of a container; its parent is the pod's. */
export function containerCgroupPath(podUid: string, containerId: string): string {
  return `${podCgroupPath(podUid)}/${containerId}`;
}

/** The pod-level cgroup runc creates as the parent of its containers' cgroups. */
export function podCgroupPath(podUid: string): string {
  return `/skiff/${podUid}`;
}

function systemMounts(privileged: boolean, shmPath: string | undefined): OciMount[] {
  const sysOptions = privileged ? NO_EXEC : [...NO_EXEC, 'ro'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: NO_EXEC },
    privileged
      ? { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind', 'rslave', 'nosuid'] }
      : { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    shmPath
      ? { destination: '/dev/shm', type: 'bind', source: shmPath, options: ['rbind', 'rprivate', ...NO_EXEC] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: [...NO_EXEC, 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: NO_EXEC },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOptions },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...NO_EXEC, 'relatime', 'ro'] },
  ].map((m) => ({ ...m, options: [...m.options] }));
}

/** A volume or pod file: a recursive private bind, read-only when asked. */
function bindMount(m: ContainerConfig['mounts'][number]): OciMount {
  return { destination: m.containerPath, type: 'bind', source: m.hostPath, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] };
}

function namespaces(sandbox: Sandbox, pid: PidNamespace): OciSpec['linux']['namespaces'] {
  const out: OciSpec['linux']['namespaces'] = [];
  if (pid.mode === 'container') out.push({ type: 'pid' });
  if (pid.mode === 'pod') out.push({ type: 'pid', path: pid.path });
  // An absent path means the sandbox uses the node's namespace: join nothing, create nothing.
  if (sandbox.netnsPath) out.push({ type: 'network', path: sandbox.netnsPath });
  if (sandbox.ipcnsPath) out.push({ type: 'ipc', path: sandbox.ipcnsPath });
  if (sandbox.utsnsPath) out.push({ type: 'uts', path: sandbox.utsnsPath });
  out.push({ type: 'mount' });
  return out;
}

function cpu(config: ContainerConfig): { cpu?: OciSpec['linux']['resources']['cpu'] } {
  const { cpuShares, cpuQuotaMicros, cpuPeriodMicros } = config.resources;
  if (cpuShares === undefined && cpuQuotaMicros === undefined) return {};
  return {
    cpu: {
      ...(cpuShares !== undefined ? { shares: cpuShares } : {}),
      ...(cpuQuotaMicros !== undefined ? { quota: cpuQuotaMicros, period: cpuPeriodMicros ?? 100_000 } : {}),
    },
  };
}

/** Swap is capped at the limit too, so the limit is what the container can use in all. */
function memory(config: ContainerConfig): { memory?: OciSpec['linux']['resources']['memory'] } {
  const limit = config.resources.memoryLimitBytes;
  return limit === undefined ? {} : { memory: { limit, swap: limit } };
}
