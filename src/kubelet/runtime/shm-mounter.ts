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

/** Runs argv with `input` on its stdin; rejects (with `stderr` on the error) unless it exits 0. */
export type RunWithInput = (argv: string[], options: { input: string }) => Promise<unknown>;

/** The pod's /dev/shm: the mount options Docker and containerd use. */
export const SHM_OPTIONS = 'nosuid,nodev,noexec,mode=1777,size=65536k';

const ARGV = ['/bin/busybox', 'mount', '-a', '-T', '/dev/stdin'];

interface Request {
  path: string;
  resolve(): void;
  reject(err: Error): void;
}

/** One node's queue of /dev/shm mounts (see the file's comment). */
export class ShmMounter {
  private queue: Request[] = [];
  private running = false;

  constructor(
    private readonly run: RunWithInput,
    /** Whether something is mounted at the path. */
    private readonly isMounted: (path: string) => Promise<boolean>,
  ) {}

  /** Mounts the pod's tmpfs at `path` (made if missing) unless one is there; rejects with mount's message. */
  async mount(path: string): Promise<void> {
    if (await this.isMounted(path)) return;
    mkdirSync(path, { recursive: true });
    return new Promise((resolve, reject) => {
      this.queue.push({ path, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      let failure = '';
      try {
        await this.run(ARGV, { input: batch.map((r) => `shm ${fstabField(r.path)} tmpfs ${SHM_OPTIONS} 0 0\n`).join('') });
      } catch (err) {
        failure = ((err as { stderr?: string }).stderr || (err as Error).message).trim();
      }
      for (const r of batch) {
        if (await this.isMounted(r.path)) r.resolve();
        else r.reject(new Error(`mounting the pod's /dev/shm at ${r.path}: ${failure || 'not mounted'}`));
      }
    }
    this.running = false;
  }
}

/** A path as an fstab field: spaces, tabs, newlines and backslashes in octal, which getmntent decodes. */
export function fstabField(path: string): string {
  return path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
