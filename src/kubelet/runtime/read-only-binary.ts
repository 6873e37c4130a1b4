/**
 * The OCI runtime binary, run from a read-only bind mount of itself. runc and crun guard against
 * CVE-2019-5736 (a process in a container reopening the runtime through /proc/PID/exe and
 * overwriting the host's binary) by never running as the host's file: every invocation first
 * makes a read-only bind mount of its own binary (or, failing that, a sealed memfd copy) and
 * re-executes itself from it — a second exec and dynamic link, and a mount, remount and unmount
 * under the node's mount lock, on each call: about a third of the CPU `crun run` costs here.
 * Both skip that step when they already run from a read-only mount and `_LIBCONTAINER_CLONED_BINARY`
 * is set (is_self_cloned in their cloned_binary.c): the same protection — the file reached
 * through /proc/PID/exe is on a read-only mount, so opening it for writing fails (EROFS) — made
 * once per node instead of once per call. Where the mount cannot be made, the binary is run as
 * it is and protects itself as before.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defaultSpawner, resolveCommand } from './spawner.ts';

/** Where the read-only mounts go: tmpfs, so a reboot clears them. */
export const READ_ONLY_BINARY_DIR = '/run/skiff/bin';

/** The variable that, with a read-only binary, tells runc and crun they run from a safe copy. */
export const CLONED_BINARY_ENV = '_LIBCONTAINER_CLONED_BINARY';

/** How to run the runtime: the path to exec and what to add to its environment. */
export interface RuntimeExecutable {
  path: string;
  env: Record<string, string>;
  /** The binary on the host's PATH that `path` is a read-only mount of (or is). */
  source: string;
}

/**
 * The read-only mount of `binary` under `dir`, made (or remade, when the binary has been
 * replaced since: an upgrade renames a new file into place) as needed; the binary as it is when
 * no mount can be made.
 */
export async function readOnlyExecutable(binary: string, dir = READ_ONLY_BINARY_DIR): Promise<RuntimeExecutable> {
  const source = resolveCommand(binary);
  if (!source) return { path: binary, env: {}, source: binary };
  const target = join(dir, basename(source));
  try {
    if (!isReadOnlyMountOf(target, source)) {
      // A mount of the binary before it was replaced. Not told by isMounted: a bind mount of a
      // file from the directory's own filesystem has its device.
      if (existsSync(target)) await defaultSpawner().run(['umount', target]).catch(() => undefined);
      mkdirSync(dir, { recursive: true });
      writeFileSync(target, '', { flag: 'a' });
      // util-linux's mount (by path: busybox's applet would not make a bind mount read-only in one go).
      await defaultSpawner().run([resolveCommand('mount') ?? 'mount', '--bind', '-o', 'ro', source, target]);
      if (!isReadOnlyMountOf(target, source)) return { path: source, env: {}, source };
    }
  } catch {
    return { path: source, env: {}, source };
  }
  return { path: target, env: { [CLONED_BINARY_ENV]: '1' }, source };
}

/** Whether `target` is `source`'s file (same inode) on a mount that refuses writes. */
export function isReadOnlyMountOf(target: string, source: string): boolean {
  try {
    const [t, s] = [statSync(target), statSync(source)];
    if (t.ino !== s.ino || t.dev !== s.dev) return false;
  } catch {
    return false;
  }
  try {
    accessSync(target, constants.W_OK);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EROFS';
  }
}
