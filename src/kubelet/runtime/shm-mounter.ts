/**
 * The pods' /dev/shm mounts, many in one process. A sandbox with an IPC namespace of its own gets
 * a 64 MiB tmpfs (Docker's and containerd's size) that its containers share, as they share the
 * namespace; a node starting a hundred pods at once would otherwise start a `mount` process for
 * each, and a process costs more here than the mount it makes. Requests that arrive while a batch
 * runs wait for it and then go together, as one busybox `mount -a` over an fstab of them on its
 * stdin; a request alone runs at once. mount -a goes on past an entry that fails and skips a mount
 * point that is already one (so a repeated request is fine): each request is judged afterwards by
 * whether its directory is a mount.
 */
import { mkdirSync } from 'node:fs';
import { BatchQueue } from '../batch-queue.ts';

/** Runs argv with `input` on its stdin; rejects (with `stderr` on the error) unless it exits 0. */
export type RunWithInput = (argv: string[], options: { input: string }) => Promise<unknown>;

/** The pod's /dev/shm: the mount options Docker and containerd use. */
export const SHM_OPTIONS = 'nosuid,nodev,noexec,mode=1777,size=65536k';

const ARGV = ['/bin/busybox', 'mount', '-a', '-T', '/dev/stdin'];

/** One node's queue of /dev/shm mounts (see the file's comment). */
export class ShmMounter {
  private readonly batches: BatchQueue<string>;

  constructor(
    run: RunWithInput,
    /** Whether something is mounted at the path. */
    private readonly isMounted: (path: string) => Promise<boolean>,
  ) {
    this.batches = new BatchQueue(async (paths) => {
      let failure = '';
      try {
        await run(ARGV, { input: paths.map((path) => `shm ${fstabField(path)} tmpfs ${SHM_OPTIONS} 0 0\n`).join('') });
      } catch (err) {
        failure = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
      }
      return Promise.all(paths.map(async (path) => ((await isMounted(path)) ? undefined : new Error(`mounting the pod's /dev/shm at ${path}: ${failure || 'not mounted'}`))));
    });
  }

  /** Mounts the pod's tmpfs at `path` (made if missing) unless one is there; rejects with mount's message. */
  async mount(path: string): Promise<void> {
    if (await this.isMounted(path)) return;
    mkdirSync(path, { recursive: true });
    return this.batches.submit(path);
  }
}

/** A path as an fstab field: spaces, tabs, newlines and backslashes in octal, which getmntent decodes. */
export function fstabField(path: string): string {
  return path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
