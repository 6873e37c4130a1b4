/**
 * The node's mounts, many in one process: the pods' /dev/shm and the containers' rootfs
 * overlays. A node starting a hundred pods at once would otherwise start a `mount` process for
 * each, and a process costs more here than the mount it makes. Requests that arrive while a batch
 * runs wait for it and then go together, as one busybox `mount -a` over an fstab of them on its
 * stdin; a request alone runs at once. mount -a goes on past an entry that fails and skips a mount
 * point that is already one (so a repeated request is fine): each request is judged afterwards by
 * whether its directory is a mount.
 *
 * A pod's /dev/shm is a 64 MiB tmpfs (Docker's and containerd's size) that its containers share,
 * as they share its IPC namespace.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BatchQueue } from '../batch-queue.ts';
import { defaultSpawner } from './spawner.ts';

/** Runs argv with `input` on its stdin; rejects (with `stderr` on the error) unless it exits 0. */
export type RunWithInput = (argv: string[], options: { input: string }) => Promise<unknown>;

/** The pod's /dev/shm: the mount options Docker and containerd use. */
export const SHM_OPTIONS = 'nosuid,nodev,noexec,mode=1777,size=65536k';

const ARGV = ['/bin/busybox', 'mount', '-a', '-T', '/dev/stdin'];

/** One mount: an fstab entry, and what it is for the error message. */
interface MountRequest {
  path: string;
  entry: string;
  what: string;
}

/** One node's queue of mounts (see the file's comment). */
export class Mounter {
  private readonly batches: BatchQueue<MountRequest>;

  constructor(
    run: RunWithInput,
    /** Whether something is mounted at the path. */
    private readonly isMounted: (path: string) => Promise<boolean>,
  ) {
    this.batches = new BatchQueue(async (requests) => {
      let failure = '';
      try {
        await run(ARGV, { input: requests.map((r) => r.entry).join('') });
      } catch (err) {
        failure = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
      }
      return Promise.all(requests.map(async (r) => ((await isMounted(r.path)) ? undefined : new Error(`mounting ${r.what} at ${r.path}: ${failure || 'not mounted'}`))));
    });
  }

  /** Mounts the pod's tmpfs at `path` (made if missing) unless one is there; rejects with mount's message. */
  async mountShm(path: string): Promise<void> {
    if (await this.isMounted(path)) return;
    mkdirSync(path, { recursive: true });
    return this.batches.submit({ path, entry: `shm ${fstabField(path)} tmpfs ${SHM_OPTIONS} 0 0\n`, what: "the pod's /dev/shm" });
  }

  /** Mounts an overlay with `options` (lowerdir=…,upperdir=…,workdir=…) at `path`, an existing directory, unless one is there. */
  async mountOverlay(path: string, options: string): Promise<void> {
    if (await this.isMounted(path)) return;
    return this.batches.submit({ path, entry: `overlay ${fstabField(path)} overlay ${fstabField(options)} 0 0\n`, what: "the container's rootfs" });
  }
}

/**
 * Whether something is mounted at `path` (a namespace file, the pod's shm tmpfs): a mount has
 * its own device, the empty placeholder shares its directory's. Synchronous stats: these paths
 * are on tmpfs or the kubelet's own disk and answer in microseconds, where each promise-based
 * call costs the event loop a thread-pool round trip — and a sandbox set-up asks this often.
 */
export async function isMounted(path: string): Promise<boolean> {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/** The node's mounts: one process for the pods and containers that start together. */
let mounter: Mounter | undefined;

/** The process's one {@link Mounter}, over its spawner. */
export function defaultMounter(): Mounter {
  return (mounter ??= new Mounter((argv, options) => defaultSpawner().run(argv, options), isMounted));
}

/** A path as an fstab field: spaces, tabs, newlines and backslashes in octal, which getmntent decodes. */
export function fstabField(path: string): string {
  return path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
