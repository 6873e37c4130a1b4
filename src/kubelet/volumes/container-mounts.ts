/**
 * A container's volumeMounts as runtime mounts: each names a volume the pod set up, optionally
 * a subPath inside it (or a subPathExpr expanded from the container's env) — created when
 * missing, with the volume root's mode — and is read-only when the mount or the volume says so.
 * The pod's own files (/etc/hosts, /etc/resolv.conf, /etc/hostname) follow, except where a
 * volumeMount already covers that path.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { chmod, mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CreateContainerConfigError, expand } from '../container-config.ts';
import type { Mount } from '../runtime/runtime.ts';
import type { PodVolume } from './pod-volumes.ts';

export interface ContainerMountOptions {
  /** The container's resolved env, for subPathExpr. */
  env?: { name: string; value: string }[];
  /** The pod's files from writePodFiles, mounted unless a volumeMount takes the same path. */
  podFiles?: Mount[];
}

/** Throws {@link CreateContainerConfigError} when a mount names no volume or an unsafe subPath. */
export async function containerMounts(pod: Pod, container: Container, volumes: Map<string, PodVolume>, options: ContainerMountOptions = {}): Promise<Mount[]> {
  const mounts: Mount[] = [];
  const vars = new Map((options.env ?? []).map((e) => [e.name, e.value]));
  for (const vm of container.volumeMounts ?? []) {
    const volume = volumes.get(vm.name);
    if (!volume) throw new CreateContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    const subPath = vm.subPathExpr ? expand(vm.subPathExpr, vars) : (vm.subPath ?? '');
    const hostPath = subPath ? await provisionSubPath(volume.hostPath, subPath, vm.name) : volume.hostPath;
    mounts.push({ containerPath: vm.mountPath, hostPath, readOnly: vm.readOnly === true || volume.readOnly === true });
  }
  const taken = new Set(mounts.map((m) => m.containerPath.replace(/\/+$/, '')));
  for (const file of options.podFiles ?? []) if (!taken.has(file.containerPath)) mounts.push(file);
  return mounts;
}

/** The subPath's host path inside the volume, made a directory when missing; never outside the volume. */
async function provisionSubPath(volumePath: string, subPath: string, volumeName: string): Promise<string> {
  if (isAbsolute(subPath)) throw new CreateContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new CreateContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  const full = join(volumePath, subPath);
  const exists = await stat(full).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const mode = (await stat(volumePath)).mode & 0o7777;
    await mkdir(full, { recursive: true, mode });
    await chmod(full, mode);
  }
  // A symlink inside the volume must not lead the container to the node's files.
  const [root, target] = await Promise.all([realpath(volumePath), realpath(full)]);
  if (target !== root && !target.startsWith(`${root}/`)) {
    throw new CreateContainerConfigError(`subpath "${subPath}" of volume "${volumeName}" resolves outside the volume`);
  }
  return target;
}
