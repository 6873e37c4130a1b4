/**
 * A container's cgroups made by the kubelet, for a runtime that does not make them: crun on a
 * cgroup v1 (or hybrid) node runs with `--cgroup-manager=disabled`, and its container inherits
 * the cgroups of the monitor that starts it. The kubelet makes them, and the monitor (monitor.ts)
 * writes the limits runc would have written from the bundle's `linux.resources` — memory (and
 * memory+swap), CPU shares and quota, the device allow-list — and joins them first; the kubelet
 * removes them with the container. Being the kubelet's, the memory cgroup outlives the
 * container's exit, so its OOM kill count can still be read (crun's own cgroups go when
 * `crun run` returns).
 */
import { lstat, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciSpec } from './oci-spec.ts';

/** Where the cgroup hierarchies are mounted. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

type Resources = OciSpec['linux']['resources'];

/** The node's cgroup layout, as far as a runtime without a cgroup manager cares. */
export interface CgroupLayout {
  /** The cgroup v1 hierarchies' directories (e.g. /sys/fs/cgroup/memory); empty on a cgroup v2 node. */
  v1: string[];
  /**
   * The hybrid layout's cgroup2 mount when controllers sit on it: crun refuses to run while it
   * sees one, so its monitor hides it in a mount namespace of its own. Undefined otherwise.
   */
  busyUnified?: string;
}

/** Looks at /sys/fs/cgroup once: each real directory with a cgroup.procs is a v1 hierarchy. */
export async function cgroupLayout(root = CGROUP_ROOT): Promise<CgroupLayout> {
  const names = await readdir(root).catch(() => [] as string[]);
  const v1: string[] = [];
  for (const name of names.sort()) {
    const dir = join(root, name);
    // Co-mounted controllers (cpu,cpuacct) appear once as a directory and again as symlinks.
    if (name === 'unified' || !(await lstat(dir)).isDirectory()) continue;
    if (await exists(join(dir, 'cgroup.procs'))) v1.push(dir);
  }
  const controllers = (await readFile(join(root, 'unified', 'cgroup.controllers'), 'utf8').catch(() => '')).trim();
  return { v1: (await exists(join(root, 'cgroup.controllers'))) ? [] : v1, ...(controllers ? { busyUnified: join(root, 'unified') } : {}) };
}

/** The container's cgroups, made; what its monitor (monitor.ts) does with them, in order. */
export interface ContainerCgroupSetup {
  /** The container's directory in each v1 hierarchy, to join once the limits are written. */
  dirs: string[];
  /** [file, value] pairs to write first: the limits. */
  writes: [file: string, value: string][];
}

/**
 * Makes `path` (e.g. /skiff/<pod uid>/<container id>) in every v1 hierarchy and returns the
 * writes that set the limits of `resources` and the directories to join, for the container's
 * monitor to do. A mkdir in cgroupfs waits on the kernel's cgroup lock, which every container
 * starting and every process joining a cgroup takes: made with the promise API, the waits are
 * the thread pool's, not the event loop's. The writes are the monitor's (its shell's echo: no
 * process of their own), where each would cost the kubelet a thread-pool round trip.
 */
export async function prepareContainerCgroups(layout: CgroupLayout, path: string, resources: Resources): Promise<ContainerCgroupSetup> {
  const writes: [string, string][] = [];
  await Promise.all(layout.v1.map(async (hierarchy) => {
    if (hierarchy.endsWith('/cpuset')) await makeCpusetDirs(hierarchy, path);
    else await mkdir(join(hierarchy, path), { recursive: true });
  }));
  const dirs = layout.v1.map((h) => join(h, path));
  for (const [i, hierarchy] of layout.v1.entries()) {
    for (const [file, value] of await limitWrites(hierarchy, resources)) writes.push([join(dirs[i], file), value]);
  }
  return { dirs, writes };
}

/**
 * SIGKILLs whatever is left in the container's cgroups — the runtime's `delete --force` kills
 * nothing it has no cgroup for when the container shares the pod's PID namespace — and removes
 * them; missing ones are fine.
 */
export async function removeContainerCgroups(layout: CgroupLayout, path: string): Promise<void> {
  const first = layout.v1[0];
  const procs = first ? (await readFile(join(first, path, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean) : [];
  for (const pid of procs) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  await Promise.all(layout.v1.map(async (hierarchy) => {
    const dir = join(hierarchy, path);
    // A killed container's last processes can take a moment to leave.
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code === 'EBUSY' && attempt >= 50) throw new Error(`cgroup ${dir} still holds processes: ${await describeProcs(dir)}`, { cause: err });
        if (code !== 'EBUSY') throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }));
}

/** The v1 memory cgroup's OOM kill count, or 0 when it cannot be read. */
export async function oomKillCount(layout: CgroupLayout, path: string): Promise<number> {
  const memory = layout.v1.find((h) => /(^|[/,])memory(,|$)/.test(h.slice(h.lastIndexOf('/') + 1)));
  if (!memory) return 0;
  const control = await readFile(join(memory, path, 'memory.oom_control'), 'utf8').catch(() => '');
  return Number(/^oom_kill (\d+)$/m.exec(control)?.[1] ?? 0);
}

/**
 * A v1 cpuset cgroup starts with no CPUs and no memory nodes, and takes no process until it has
 * some: each new level copies its parent's. Levels this walk fills get `cgroup.clone_children`,
 * which the kernel passes on to the cgroups made below them and which makes it copy the parent's
 * CPUs and nodes itself at mkdir: so once a container has been made, the next ones (new pods
 * too) need one mkdir and a look at what it got — where each level's two files cost a read, a
 * read of the parent's and a write, a thread-pool round trip each. The kernel copies nothing
 * when a sibling is exclusive: the walk then fills the levels as before.
 */
async function makeCpusetDirs(hierarchy: string, path: string): Promise<void> {
  const leaf = join(hierarchy, path);
  await mkdir(leaf, { recursive: true });
  if (await hasCpusAndMems(leaf)) return;
  let parent = hierarchy;
  for (const part of path.split('/').filter(Boolean)) {
    const dir = join(parent, part);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if ((await readFile(join(dir, file), 'utf8')).trim() === '') await writeFile(join(dir, file), (await readFile(join(parent, file), 'utf8')).trim());
    }
    await writeFile(join(dir, 'cgroup.clone_children'), '1');
    parent = dir;
  }
}

async function hasCpusAndMems(dir: string): Promise<boolean> {
  const values = await Promise.all(['cpuset.cpus', 'cpuset.mems'].map((file) => readFile(join(dir, file), 'utf8')));
  return values.every((value) => value.trim() !== '');
}

/**
 * The [file, value] writes that set what `resources` says in this hierarchy: those of its
 * controller's files that the hierarchy has (each controller has its own).
 */
async function limitWrites(hierarchy: string, resources: Resources): Promise<[string, string][]> {
  const { memory, cpu, devices } = resources;
  const has = (file: string) => hasControlFile(hierarchy, file);
  const writes: [string, string][] = [];
  if (memory?.limit !== undefined && (await has('memory.limit_in_bytes'))) {
    writes.push(['memory.limit_in_bytes', String(memory.limit)]);
    // Only with swap accounting on; it must not be below the memory limit, which is set first.
    if (memory.swap !== undefined && (await has('memory.memsw.limit_in_bytes'))) writes.push(['memory.memsw.limit_in_bytes', String(memory.swap)]);
  }
  if (cpu && (await has('cpu.shares'))) {
    if (cpu.shares !== undefined) writes.push(['cpu.shares', String(cpu.shares)]);
    if (cpu.period !== undefined) writes.push(['cpu.cfs_period_us', String(cpu.period)]);
    if (cpu.quota !== undefined) writes.push(['cpu.cfs_quota_us', String(cpu.quota)]);
  }
  if (devices.length && (await has('devices.allow'))) {
    for (const rule of devices) {
      const line = rule.type === undefined && rule.major === undefined && rule.minor === undefined ? 'a' : `${rule.type ?? 'a'} ${rule.major ?? '*'}:${rule.minor ?? '*'} ${rule.access}`;
      writes.push([rule.allow ? 'devices.allow' : 'devices.deny', line]);
    }
  }
  return writes;
}

/** Which control files each hierarchy's root has, looked up once: the same in every cgroup of it. */
const controlFiles = new Map<string, Promise<boolean>>();
function hasControlFile(hierarchy: string, file: string): Promise<boolean> {
  const key = join(hierarchy, file);
  let found = controlFiles.get(key);
  if (!found) controlFiles.set(key, (found = exists(key)));
  return found;
}

/** "pid (command line)" of each process left in a cgroup, for the error that says it cannot go. */
async function describeProcs(dir: string): Promise<string> {
  const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const lines = await Promise.all(pids.map(async (pid) => `${pid} (${(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim()})`));
  return lines.join(', ') || 'none listed';
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
