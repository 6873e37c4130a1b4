/**
 * Pod sandboxes without a pause container: the namespaces a pod's containers share are
 * persistent namespace files (bind mounts of /proc/PID/ns/*, as `ip netns add` makes them) under
 * `/run/skiff/<kind>/<sandboxId>`, so they outlive the process that made them and the kubelet.
 * Containers join them by path in their config.json. The sandbox's record (its config and those
 * paths) is JSON in `rootDir/sandboxes/<id>.json`, so a restarted kubelet lists it again.
 *
 * A shared PID namespace (shareProcessNamespace) cannot be a bare file: a PID namespace whose
 * init has exited accepts no new processes. It gets a holder — `unshare --pid --fork` running a
 * shell that waits forever, PID 1 of the namespace, reaping the orphans that reparent to it —
 * the role the pause container plays upstream. The holder is detached from the kubelet too.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PortMapping, Sandbox, SandboxConfig } from './runtime.ts';
import { defaultMounter, isMounted } from './mounter.ts';
import { defaultSpawner, resolveCommand } from './spawner.ts';

const run = (file: string, args: string[]) => defaultSpawner().run([file, ...args]);

/** Namespaces could not be created or removed. */
export class SandboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

/** What the runtime keeps about a sandbox: the contract's Sandbox plus how it was made. */
export interface SandboxRecord extends Sandbox {
  config: SandboxConfig;
  /** The shared PID namespace, when shareProcessNamespace (and not hostPID). */
  pidnsPath?: string;
  /** Host pid of the PID namespace's holder (`unshare`). */
  pidHolderPid?: number;
  /** The pod's /dev/shm: one tmpfs its containers share, as they share its IPC namespace. */
  shmPath?: string;
}

/**
 * The pod network as the runtime drives it — CNI's ADD and DEL, in-process: called for every
 * sandbox with its own network namespace, after the namespace exists and before it goes.
 */
export interface SandboxNetwork {
  /**
   * The pod's interface, decided (its address allocated) before its network namespace exists,
   * so the process that creates the namespace configures the pod's side too: one process a pod
   * fewer than a separate step inside the namespace. Undefined when a node end of an earlier
   * pair is still there: setUp then repairs the pair itself.
   */
  plan(sandboxId: string): Promise<PodInterfacePlan | undefined>;
  /**
   * Gives the sandbox its interface, IP and hostPorts; idempotent (the same IP again).
   * `podSideConfigured`: the namespace's creator has just carried out the plan.
   */
  setUp(sandbox: { id: string; netnsPath: string; portMappings: PortMapping[]; podSideConfigured?: boolean }): Promise<{ ip: string }>;
  /** Removes what setUp made and frees the IP. Idempotent. */
  tearDown(sandboxId: string): Promise<void>;
}

/** The pod's side of its interface, as the namespace's creator sets it up. */
export interface PodInterfacePlan {
  /** e.g. 10.42.0.5/24. */
  address: string;
  gateway: string;
  mtu: number;
  /** The name the veth's other end takes in the node's namespace. */
  hostVeth: string;
}

/** Where sandboxes are recorded and their namespace files mounted. */
export interface SandboxStoreOptions {
  /** The runtime's root: records go to `rootDir/sandboxes/`. */
  rootDir: string;
  /** Where namespace files are bind-mounted (default /run/skiff): a tmpfs, so a reboot clears it. */
  namespaceDir: string;
  /** The pod network; without one, sandboxes have loopback only. */
  network?: SandboxNetwork;
}

/** Sets up the sandbox's namespaces (creating what is missing) and records it. Idempotent. */
export async function ensureSandbox(config: SandboxConfig, options: SandboxStoreOptions): Promise<SandboxRecord> {
  const id = sandboxId(config.pod.uid);
  const existing = await readSandbox(id, options);
  const record: SandboxRecord = existing ?? {
    id,
    pod: { ...config.pod },
    config: structuredClone(config),
    createdAt: new Date(),
    ...namespacePaths(id, config, options.namespaceDir),
  };
  const plan = options.network && record.netnsPath && !(await isMounted(record.netnsPath)) ? await options.network.plan(id) : undefined;
  const [configured] = await Promise.all([createNamespaces(record, plan), record.shmPath ? mountShm(record.id, record.shmPath) : undefined]);
  // Before the record is written: a sandbox on record always has its network (a crash in between re-runs this).
  if (options.network && record.netnsPath) {
    record.ip = (await options.network.setUp({ id, netnsPath: record.netnsPath, portMappings: record.config.portMappings ?? [], podSideConfigured: configured })).ip;
  }
  if (record.pidnsPath && !(await holderAlive(record))) record.pidHolderPid = await startPidHolder(record.pidnsPath);
  await writeSandbox(record, options);
  return record;
}

/** Removes the sandbox's namespaces and record (its containers must be gone already). Idempotent. */
export async function removeSandbox(id: string, options: SandboxStoreOptions): Promise<void> {
  const record = await readSandbox(id, options);
  if (!record) return;
  if (record.pidHolderPid && (await holderAlive(record))) process.kill(record.pidHolderPid, 'SIGKILL');
  if (options.network && record.netnsPath) await options.network.tearDown(id);
  await removeNamespaceFiles([record.netnsPath, record.ipcnsPath, record.utsnsPath, record.pidnsPath, record.shmPath].filter((p): p is string => p !== undefined));
  await rm(recordPath(id, options), { force: true });
}

/** Every recorded sandbox. */
export async function listSandboxes(options: SandboxStoreOptions): Promise<SandboxRecord[]> {
  const names = await readdir(join(options.rootDir, 'sandboxes')).catch(() => [] as string[]);
  const records = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => readSandbox(n.slice(0, -5), options)));
  return records.filter((r): r is SandboxRecord => r !== undefined);
}

/** The recorded sandbox `id`, if any. */
export async function readSandbox(id: string, options: SandboxStoreOptions): Promise<SandboxRecord | undefined> {
  let text: string;
  try {
    // Synchronous, as the records' writes: a small file read for every container created.
    text = readFileSync(recordPath(id, options), 'utf8');
  } catch {
    return undefined;
  }
  const raw = JSON.parse(text) as SandboxRecord & { createdAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt) };
}

/** The sandbox id of a pod: stable, so a restarted kubelet finds it again. */
export function sandboxId(podUid: string): string {
  return `pod-${podUid}`;
}

/** The namespace files a sandbox uses; a host namespace has none. hostNetwork implies the node's UTS too. */
export function namespacePaths(id: string, config: SandboxConfig, namespaceDir: string): Pick<SandboxRecord, 'netnsPath' | 'ipcnsPath' | 'utsnsPath' | 'pidnsPath' | 'shmPath'> {
  return {
    ...(config.hostNetwork ? {} : { netnsPath: join(namespaceDir, 'netns', id), utsnsPath: join(namespaceDir, 'utsns', id) }),
    ...(config.hostIPC ? {} : { ipcnsPath: join(namespaceDir, 'ipcns', id), shmPath: join(namespaceDir, 'shm', id) }),
    ...(config.shareProcessNamespace && !config.hostPID ? { pidnsPath: join(namespaceDir, 'pidns', id) } : {}),
  };
}

/**
 * The network part of the setup as `ip -batch` lines (ip stops at the first that fails):
 * loopback up and, with a plan, the pod's veth pair — eth0 with its address, up, the default
 * route via the gateway — whose other end goes to the node's namespace (that of pid `nodePid`)
 * last, under its final name, so a host end on the node means a configured pod end. Batch lines
 * are split on blanks, so every value is checked to have none.
 */
function podSideBatch(plan: PodInterfacePlan | undefined, nodePid: number): string {
  const lines = ['link set dev lo up'];
  if (plan) {
    const mtu = String(plan.mtu);
    for (const word of [plan.address, plan.gateway, mtu, plan.hostVeth]) {
      if (!word || /\s/.test(word)) throw new SandboxError(`cannot pass ${JSON.stringify(word)} to ip -batch: it is empty or has blanks`);
    }
    lines.push(
      `link add eth0 mtu ${mtu} type veth peer name ${plan.hostVeth} mtu ${mtu}`,
      `addr add ${plan.address} dev eth0`,
      'link set dev eth0 up',
      `route add default via ${plan.gateway} dev eth0`,
      `link set dev ${plan.hostVeth} netns ${nodePid}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** iproute2's ip by its path: busybox's shell would run its own `ip` applet for the bare name. */
function iproute2(): string {
  const path = resolveCommand('ip');
  if (!path) throw new SandboxError('ip not found: apt-get install iproute2');
  return path;
}

/**
 * Creates the missing net/ipc/uts namespaces with one process: busybox's unshare (a static
 * binary: cheaper to start than util-linux's) binds their files and becomes, by exec, iproute2's
 * `ip -batch` with the network part on stdin (see podSideBatch) — with `plan`, the pod's
 * interface too. Each busybox `ip` applet call would be a process of its own, and a process costs
 * more here than the netlink work it does. No shell: the pod's hostname is the runtime's to set
 * as each container starts (oci-spec.ts), and its /dev/shm is mounted from the node's side
 * (mountShm). Resolves whether it carried out the plan.
 */
async function createNamespaces(record: SandboxRecord, plan: PodInterfacePlan | undefined): Promise<boolean> {
  const wanted: [flag: string, path: string | undefined][] = [['--net', record.netnsPath], ['--ipc', record.ipcnsPath], ['--uts', record.utsnsPath]];
  const missing: [string, string][] = [];
  for (const [flag, path] of wanted) {
    if (path && !(await isMounted(path))) missing.push([flag, path]);
  }
  if (missing.length === 0) return false;
  for (const [, path] of missing) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
  }
  const makesNet = missing.some(([flag]) => flag === '--net');
  const network = makesNet ? podSideBatch(plan, process.pid) : undefined;
  const command = network ? [iproute2(), '-batch', '-'] : ['/bin/busybox', 'true'];
  try {
    await defaultSpawner().run(['/bin/busybox', 'unshare', ...missing.map(([flag, path]) => `${flag}=${path}`), ...command], network ? { input: network } : {});
    return makesNet && plan !== undefined;
  } catch (err) {
    throw new SandboxError(`creating the namespaces of sandbox ${record.id}: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`, { cause: err });
  }
}

/** Mounts the pod's /dev/shm tmpfs (its containers share it, as they share its IPC namespace) unless it is there. */
async function mountShm(id: string, path: string): Promise<void> {
  try {
    await defaultMounter().mountShm(path);
  } catch (err) {
    throw new SandboxError(`creating the /dev/shm of sandbox ${id}: ${(err as Error).message}`, { cause: err });
  }
}

/** The PID namespace's PID 1: a shell that waits forever, reaping whatever reparents to it. */
const HOLDER_SCRIPT = 'trap "" TERM INT HUP; while :; do sleep 2147483647 & wait; done';

async function startPidHolder(path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  await removeNamespaceFiles([path]);
  await writeFile(path, '');
  const child = spawn('unshare', [`--pid=${path}`, '--kill-child', '/bin/sh', '-c', HOLDER_SCRIPT], { detached: true, stdio: 'ignore' });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', reject);
  });
  child.unref();
  // Joining before the namespace has its init would make the joiner PID 1: wait for both.
  for (let delay = 1; !((await isMounted(path)) && (await hasChildren(pid))); delay = Math.min(delay * 2, 20)) {
    if (child.exitCode !== null) throw new SandboxError(`the PID namespace holder exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, delay));
  }
  return pid;
}

async function hasChildren(pid: number): Promise<boolean> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return children.trim() !== '';
}

/** Whether the recorded holder is still running (and is ours: its command line names the namespace file). */
async function holderAlive(record: SandboxRecord): Promise<boolean> {
  if (!record.pidHolderPid || !record.pidnsPath) return false;
  const cmdline = await readFile(`/proc/${record.pidHolderPid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(`--pid=${record.pidnsPath}`) && (await isMounted(record.pidnsPath));
}

/** Unmounts (one umount for all: each process costs) and deletes namespace files (and the shm directory). */
async function removeNamespaceFiles(paths: string[]): Promise<void> {
  const mounted = [];
  for (const path of paths) if (await isMounted(path)) mounted.push(path);
  if (mounted.length > 0) {
    try {
      await run('umount', mounted);
    } catch (err) {
      throw new SandboxError(`unmounting ${mounted.join(', ')}: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`, { cause: err });
    }
  }
  await Promise.all(paths.map((path) => rm(path, { recursive: true, force: true })));
}

/** Synchronous: a small file on the kubelet's disk, where promise-based calls cost the event loop more. */
async function writeSandbox(record: SandboxRecord, options: SandboxStoreOptions): Promise<void> {
  const path = recordPath(record.id, options);
  mkdirSync(dirname(path), { recursive: true });
  // Write-then-rename: a crash never leaves a half-written record.
  writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 2));
  renameSync(`${path}.tmp`, path);
}

function recordPath(id: string, options: SandboxStoreOptions): string {
  return join(options.rootDir, 'sandboxes', `${id}.json`);
}

/** Removes the pod's cgroup directories runc left as parents of its containers' cgroups. */
export async function removePodCgroups(podCgroup: string): Promise<void> {
  const controllers = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  await Promise.all(controllers.map((c) => rmdir(join('/sys/fs/cgroup', c, podCgroup)).catch(() => undefined)));
}
