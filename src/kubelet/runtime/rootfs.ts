/**
 * A container's root filesystem: an overlay of the image's unpacked layers (shared, never
 * written) under a writable layer of its own in the container directory. A read-only root
 * filesystem is still an overlay with an upper layer — runc makes the mount read-only after it
 * has created the mount points for volumes — so both cases are one code path. The node's mounter
 * mounts it, with other containers' (mounter.ts), or the container's monitor in a mount namespace
 * of its own (monitor.ts); this module unmounts it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerFiles } from './container-files.ts';
import { isMounted } from './mounter.ts';
import { defaultSpawner } from './spawner.ts';

/** A layer set the overlay cannot be built from. */
export class RootfsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RootfsError';
  }
}

/**
 * Makes the overlay's directories and returns its mount options for `layers` (lowest first);
 * it is mounted at files.rootfs as the file's comment says.
 */
export async function prepareRootfs(files: ContainerFiles, layers: string[]): Promise<string> {
  for (const layer of layers) {
    // The overlay option string separates layers with ':' and options with ','.
    if (/[:,]/.test(layer)) throw new RootfsError(`layer path ${JSON.stringify(layer)} contains ':' or ','`);
  }
  let lower = [...layers].reverse();
  if (lower.length === 0) {
    // An image with no layers (FROM scratch + nothing) still needs one lower dir.
    const empty = join(files.dir, 'empty');
    mkdirSync(empty, { recursive: true });
    lower = [empty];
  }
  // Synchronous: three empty directories on the kubelet's disk, where a promise-based call costs more than the work.
  for (const dir of [files.rootfs, files.upper, files.work]) mkdirSync(dir, { recursive: true });
  return `lowerdir=${lower.join(':')},upperdir=${files.upper},workdir=${files.work}`;
}

/**
 * Unmounts the overlay; a rootfs that is not mounted (e.g. after a reboot, or mounted only in
 * the mount namespace of a crun container's monitor) is fine, and costs no `umount` process.
 */
export async function unmountRootfs(files: ContainerFiles): Promise<void> {
  if (!(await isMounted(files.rootfs))) return;
  try {
    await defaultSpawner().run(['umount', files.rootfs]);
  } catch (err) {
    const message = stderrOf(err);
    if (/not mounted|no mount point|No such file/.test(message)) return;
    throw new RootfsError(`unmounting the container's rootfs: ${message}`, { cause: err });
  }
}

function stderrOf(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim();
}
