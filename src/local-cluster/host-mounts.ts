/**
 * Each host's own mount namespace, persistent (bind-mounted to a file, as `ip netns add` keeps a
 * network namespace) so that a restarted agent joins the one its predecessor used and finds its
 * containers' overlay mounts and namespace files there. Its one difference from the machine's:
 * the network part of /sys (`/sys/class/net`, `/sys/devices/virtual/net`) shows the host's
 * network namespace, as the pod network reads and writes there; the rest of /sys — the cgroup
 * hierarchies runc needs — stays the machine's (which is why this is not `ip netns exec`, whose
 * fresh /sys hides them).
 *
 * Removing the file and killing what still runs inside frees the namespace, and with it every
 * mount an agent made there.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const MOUNT_NS_DIR = '/run/skiff-cluster-mnt';

/**
 * Mounts the host's sysfs at a temporary point, binds its network parts over the machine's and
 * drops the temporary mount. Constant text; the temporary point is the positional argument.
 */
const NETWORK_SYSFS_SCRIPT = [
  'set -e',
  'mkdir -p "$1"',
  'mount -t sysfs sysfs "$1"',
  'mount --bind "$1/class/net" /sys/class/net',
  'mount --bind "$1/devices/virtual/net" /sys/devices/virtual/net',
  'umount "$1"',
  'rmdir "$1"',
].join('; ');

/** The file holding host `name`'s mount namespace (for `nsenter --mount=`). */
export function mountNamespacePath(namespaceName: string): string {
  return join(MOUNT_NS_DIR, namespaceName);
}

/** Creates the mount namespace of the host whose network namespace file is `netnsPath`. */
export async function createHostMountNamespace(namespaceName: string, netnsPath: string): Promise<void> {
  await ensurePrivateDir();
  const file = mountNamespacePath(namespaceName);
  await writeFile(file, '');
  const scratch = `/tmp/.skiff-sysfs-${namespaceName}`;
  await exec('nsenter', [`--net=${netnsPath}`, '--', 'unshare', `--mount=${file}`, '--propagation', 'private', '--', '/bin/busybox', 'sh', '-c', NETWORK_SYSFS_SCRIPT, 'skiff-host-mounts', scratch]);
}

/**
 * Frees host `namespaceName`'s mount namespace: kills every process still inside (monitors,
 * anything an agent left) and drops the file. Idempotent.
 */
export async function removeHostMountNamespace(namespaceName: string): Promise<void> {
  const file = mountNamespacePath(namespaceName);
  const inode = await stat(file).then((s) => s.ino, () => undefined);
  if (inode !== undefined) {
    for (const pid of await processesInMountNamespace(inode)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  await exec('umount', ['-l', file]).catch(() => undefined);
  await rm(file, { force: true });
}

/** The names of every host mount namespace on this machine (for the stale sweep). */
export async function hostMountNamespaces(): Promise<string[]> {
  return (await readdir(MOUNT_NS_DIR).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
}

async function processesInMountNamespace(inode: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ns = await stat(join('/proc', entry, 'ns', 'mnt')).then((s) => s.ino, () => undefined);
    if (ns === inode) pids.push(Number(entry));
  }
  return pids;
}

/**
 * The kernel refuses a namespace file on a shared mount (as on systemd machines, where / is
 * shared), so the directory becomes a private mount of its own, as `ip netns` does /run/netns.
 */
async function ensurePrivateDir(): Promise<void> {
  await mkdir(MOUNT_NS_DIR, { recursive: true, mode: 0o700 });
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  if (mountinfo.split('\n').some((line) => line.split(' ')[4] === MOUNT_NS_DIR)) return;
  await exec('mount', ['--bind', MOUNT_NS_DIR, MOUNT_NS_DIR]);
  await exec('mount', ['--make-private', MOUNT_NS_DIR]);
}
