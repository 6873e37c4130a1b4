/**
 * A container's monitor: one small process per container, spawned detached from the kubelet at
 * createContainer, that outlives the kubelet and is the only thing that can learn how the
 * container ended (see oci-runtime.ts for why). It runs busybox's shell (its mkfifo and mount
 * applets are forks of it, not new programs) and goes through three steps:
 *  1. create — when the runtime makes no cgroups, writes the limits of those the kubelet made
 *     for the container and joins them (container-cgroups.ts); makes the stdio FIFOs and a
 *     `start` FIFO, mounts the overlay rootfs if it is to be in a mount namespace of the
 *     monitor's own (else the node's mounter has, with other containers': mounter.ts), tells the
 *     spawner it is ready (spawner.ts) and lets go of the spawner's pipe;
 *  2. wait — blocks reading the `start` FIFO until startContainer writes to it;
 *  3. run — takes the FIFOs as fds 0/1/2 (opened read-write, so a write never raises SIGPIPE
 *     while no logger reads), runs `runc run` in the foreground (the container init's parent)
 *     and writes runc's exit status — the container's — to the `exit` file.
 * One process per container, where separate mkfifo/mount, monitor and start steps would cost
 * three; spawned through the spawner (spawner.ts), not forked from the kubelet.
 */
import { constants, watch, type FSWatcher } from 'node:fs';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { ContainerCgroupSetup } from './container-cgroups.ts';
import type { ContainerFiles } from './container-files.ts';
import { defaultSpawner } from './spawner.ts';

/**
 * The monitor's script. Constant text: paths and options are positional arguments ($0 the
 * container directory, $1 the overlay options or "" (mounted already), $2 "stdin" or "", $3 the cgroup directories to
 * join, $4 a mount to hide, $5 the number n of cgroup file writes, then n pairs of file and
 * value, then the runtime's argv). echo is the shell's own: a write costs no process.
 */
const MONITOR_SCRIPT = [
  'cd "$0" || exit 1',
  'o=$1; i=$2; g=$3; u=$4; n=$5; shift 5',
  'while [ "$n" -gt 0 ]; do echo "$2" > "$1" || { echo "writing $2 to $1 failed" >&2; exit 1; }; shift 2; n=$((n - 1)); done',
  // Word splitting of $g is wanted: cgroup directories the kubelet names, without blanks.
  'for d in $g; do echo $$ > "$d/cgroup.procs" || exit 1; done',
  'if [ -n "$u" ]; then umount "$u" || exit 1; fi',
  'mkfifo -m 600 stdout stderr start || exit 1',
  'if [ -n "$i" ]; then mkfifo -m 600 stdin || exit 1; fi',
  'if [ -n "$o" ]; then mount -t overlay overlay -o "$o" rootfs || exit 1; fi',
  // Read-write: the FIFO has a reader from now on, so startContainer's non-blocking open works.
  'exec 3<>start',
  'echo "$SKIFF_SPAWN_ID up $$"',
  'exec >/dev/null 2>&1',
  'read -r _ <&3; exec 3<&-',
  'if [ -n "$i" ]; then exec 0<>stdin; fi',
  'exec 1<>stdout 2<>stderr',
  '"$@"; echo $? > exit',
].join('\n');

/**
 * How often a start that inotify has not reported checks that the monitor is still there: only
 * a monitor killed before it wrote anything goes unreported, and every check reads four files,
 * for each container starting.
 */
const MONITOR_CHECK_MS = 2000;

/** The monitor could not make the container's files or mount its rootfs. */
export class MonitorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonitorError';
  }
}

/** How the monitor sets the container up and runs it. */
export interface MonitorOptions {
  /** lowerdir=…,upperdir=…,workdir=… for the rootfs overlay; undefined when it is mounted already. */
  overlayOptions?: string;
  /** Whether the container has a stdin FIFO. */
  stdin: boolean;
  /** The foreground `runc run` command line. */
  runcArgv: string[];
  /** Added to the environment the monitor, and so the runtime, runs with. Default none. */
  env?: Record<string, string>;
  /**
   * Cgroups whose limits the monitor writes and which it joins before anything else, so the
   * container inherits them (a runtime that makes none: container-cgroups.ts). Default none.
   */
  cgroups?: ContainerCgroupSetup;
  /**
   * A mount the runtime must not see (crun and a busy cgroup2 mount of a hybrid layout): the
   * monitor then runs in a mount namespace of its own and unmounts it there. Its rootfs overlay
   * is then mounted in that namespace only, by the monitor, and goes with it when the monitor exits.
   */
  hideMount?: string;
}

/**
 * Spawns the monitor and resolves with its pid once the container's files and rootfs are ready
 * (step 1); throws {@link MonitorError} with the shell's message when they cannot be made.
 */
export async function createMonitor(files: ContainerFiles, options: MonitorOptions): Promise<number> {
  const { dirs, writes } = options.cgroups ?? { dirs: [], writes: [] };
  for (const dir of dirs) if (/\s/.test(dir)) throw new MonitorError(`cgroup directory ${JSON.stringify(dir)} has blanks`);
  const shell = [
    '/bin/busybox', 'sh', '-c', MONITOR_SCRIPT, files.dir, options.overlayOptions ?? '', options.stdin ? 'stdin' : '', dirs.join(' '), options.hideMount ?? '',
    String(writes.length), ...writes.flat(), ...options.runcArgv,
  ];
  // busybox's unshare (static, so cheaper to start than util-linux's) makes the namespace private.
  const argv = options.hideMount ? ['/bin/busybox', 'unshare', '--mount', ...shell] : shell;
  const result = await defaultSpawner().spawn(argv, { ready: true, ...(options.env ? { env: options.env } : {}) });
  if (!result.matched) throw new MonitorError(result.stderr.trim() || 'the container monitor exited while creating the container');
  return result.pid!;
}

/**
 * Lets the monitor run the container (step 3); a monitor already released is fine. Throws
 * {@link MonitorError} when no monitor is left (killed, or the node restarted since the
 * container was created).
 */
export async function releaseMonitor(files: ContainerFiles): Promise<void> {
  let fd: number;
  try {
    // Non-blocking: with no reader the open fails (ENXIO) instead of waiting forever. So it
    // never waits, and is synchronous as the FIFO's write below: a few bytes into an empty pipe.
    fd = openSync(files.start, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    // A live monitor that no longer reads has been released already.
    if (await monitorAlive(files)) return;
    throw new MonitorError('the container monitor is gone (killed, or the node restarted since the container was created)');
  }
  try {
    writeSync(fd, 'start\n');
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolves true once the container's init exists (runc wrote its pid file), false when the
 * monitor finished without one (runc could not start the container). Woken by inotify on the
 * container's directory rather than polling — a node starting many containers at once would
 * spend its time in stat calls. runc and the container write other files there too (its log,
 * the FIFOs), so only an event naming the pid or exit file is looked at; the slow timer does
 * the full check, which also catches a monitor killed before it wrote anything.
 */
export async function awaitStarted(files: ContainerFiles): Promise<boolean> {
  const check = async (full: boolean): Promise<boolean | undefined> => {
    if (hasPid(files.pid)) return true;
    // The exit status is written only after runc returns; a pid file would have come first.
    if (hasText(files.exit) || (full && !(await monitorAlive(files)))) return hasPid(files.pid);
    return undefined;
  };
  const watched = new Set([basename(files.pid), basename(files.exit)]);
  let wake: (full: boolean) => void = () => {};
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(files.dir, (_event, name) => {
      if (name === null || watched.has(String(name))) wake(false);
    });
    watcher.on('error', () => wake(true));
  } catch {
    // No inotify (e.g. out of watches): the timer below still gets there.
  }
  try {
    for (let full = true; ; ) {
      let timer: NodeJS.Timeout | undefined;
      const woken = new Promise<boolean>((resolve) => {
        wake = resolve;
        timer = setTimeout(() => resolve(true), watcher ? MONITOR_CHECK_MS : 20).unref();
      });
      const started = await check(full);
      if (started !== undefined) {
        clearTimeout(timer);
        return started;
      }
      full = await woken;
      clearTimeout(timer);
    }
  } finally {
    watcher?.close();
  }
}

/** Whether the container's monitor still runs (the container's directory is its $0). */
export async function monitorAlive(files: ContainerFiles): Promise<boolean> {
  const pid = Number(readSmallFile(files.monitorPid).trim());
  if (!(pid > 0)) return false;
  const cmdline = readSmallFile(`/proc/${pid}/cmdline`);
  return cmdline.split('\0').includes(files.dir);
}

/** Whether the pid file holds a pid yet: crun creates it and then writes it (runc renames it into place). */
function hasPid(path: string): boolean {
  return Number(readSmallFile(path).trim()) > 0;
}

/** Whether the file has been written (the shell creates the exit file before it writes the status). */
function hasText(path: string): boolean {
  return readSmallFile(path).trim() !== '';
}

/**
 * A small file's text, or '' when it cannot be read. Synchronous on purpose: procfs and a
 * container's tiny state files, which the PLEG reads for every container every second, answer
 * in microseconds in place, where the promise API makes several thread-pool round trips that
 * each cost the event loop more than the read.
 */
export function readSmallFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
