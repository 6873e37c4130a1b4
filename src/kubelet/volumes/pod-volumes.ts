/**
 * A pod's volumes on this node, under `podDir/volumes/<name>/`: set up before its containers
 * are created (idempotent, so every sync may call it), refreshed while it runs so ConfigMap and
 * Secret edits reach the files, and torn down when it goes.
 * - emptyDir: a directory (0777, so any user in the pod can write); medium Memory is a tmpfs
 *   no bigger than sizeLimit, the pod's memory limit or the node's allocatable memory.
 * - hostPath: the node's path itself, after the type check.
 * - configMap, downwardAPI: files on disk; secret and projected: files on a tmpfs, so secrets
 *   never touch the node's disk. All written with the atomic writer's `..data` layout.
 * With spec.securityContext.fsGroup, volumes belong to that group (files group-readable,
 * emptyDir setgid) so non-root containers in the group can use them.
 */
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectSource } from '../object-source.ts';
import { writePayload, type Payload } from './atomic-writer.ts';
import { VolumeSetupError, VolumeSourceError } from './errors.ts';
import { setUpHostPath } from './host-path.ts';
import { memoryVolumeSize } from './memory-size.ts';
import { volumePayload, type TokenIssuer } from './payloads.ts';
import { ensureTmpfs, mountsUnder, unmountUnder } from './tmpfs.ts';

/** Where a volume is on the host, for containerMounts. */
export interface PodVolume {
  hostPath: string;
  /** The volume is read-only whatever the mount says (configMap, secret, downwardAPI, projected). */
  readOnly?: boolean;
}

export interface PodVolumeOptions {
  /** Service account tokens for projected volumes; without it the token file is an empty placeholder. */
  serviceAccountToken?: TokenIssuer;
}

/** The directory volume `name` of the pod at `podDir` lives in. */
export function volumeDir(podDir: string, name: string): string {
  return join(podDir, 'volumes', name);
}

/**
 * Sets up every volume of `pod`. Throws {@link VolumeSetupError} for the first that cannot be
 * set up; the kubelet retries on its next sync.
 */
export async function setUpPodVolumes(pod: Pod, podDir: string, source: ObjectSource, options: PodVolumeOptions = {}): Promise<Map<string, PodVolume>> {
  const volumes = new Map<string, PodVolume>();
  for (const volume of pod.spec?.volumes ?? []) {
    try {
      volumes.set(volume.name, await setUpVolume(volume, pod, podDir, source, options));
    } catch (err) {
      if (err instanceof VolumeSetupError) throw err;
      throw new VolumeSetupError(volume.name, (err as Error).message, { cause: err });
    }
  }
  return volumes;
}

/**
 * Rewrites the API-backed volumes (configMap, secret, downwardAPI, projected) of a running pod
 * from the objects as they are now; a volume whose object has gone keeps its last files.
 * Returns the names of the volumes whose files changed.
 */
export async function refreshPodVolumes(pod: Pod, podDir: string, source: ObjectSource, options: PodVolumeOptions = {}): Promise<string[]> {
  const changed: string[] = [];
  for (const volume of pod.spec?.volumes ?? []) {
    const payload = await apiPayload(volume, pod, source, options).catch(() => undefined);
    if (payload && (await writePayload(await prepareDir(volume, pod, podDir, source), payload, { gid: pod.spec?.securityContext?.fsGroup }))) changed.push(volume.name);
  }
  return changed;
}

/** Unmounts every tmpfs under the pod's directory and removes its volumes. Idempotent. */
export async function tearDownPodVolumes(podDir: string): Promise<void> {
  const dir = join(podDir, 'volumes');
  await unmountUnder(dir);
  const left = await mountsUnder(dir);
  // Removing files through a mount that would not go away could delete what it points at.
  if (left.length) throw new Error(`cannot remove volumes of ${podDir}: still mounted: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

async function setUpVolume(volume: Volume, pod: Pod, podDir: string, source: ObjectSource, options: PodVolumeOptions): Promise<PodVolume> {
  if (volume.hostPath) return { hostPath: await setUpHostPath(volume.hostPath) };
  if (volume.emptyDir) {
    const dir = volumeDir(podDir, volume.name);
    await mkdir(dir, { recursive: true });
    const medium = volume.emptyDir.medium ?? '';
    if (medium === 'Memory') await ensureTmpfs(dir, memoryVolumeSize(pod, volume, source.node()));
    else if (medium !== '') throw new VolumeSourceError(`emptyDir medium ${medium} is not supported`);
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    if (fsGroup !== undefined) {
      await chown(dir, process.getuid?.() ?? 0, fsGroup);
      // setgid: what the pod creates in it belongs to the fsGroup too.
      await chmod(dir, 0o2777);
    } else await chmod(dir, 0o777);
    return { hostPath: dir };
  }
  const payload = await apiPayload(volume, pod, source, options);
  if (!payload) throw new VolumeSourceError(`volume type is not supported by this kubelet`);
  const dir = await prepareDir(volume, pod, podDir, source);
  await writePayload(dir, payload, { gid: pod.spec?.securityContext?.fsGroup });
  return { hostPath: dir, readOnly: true };
}

/** The files of an API-backed volume; with an fsGroup every file is also group-readable, as upstream. */
async function apiPayload(volume: Volume, pod: Pod, source: ObjectSource, options: PodVolumeOptions): Promise<Payload | undefined> {
  const payload = await volumePayload(volume, { pod, source, ...options });
  if (payload && pod.spec?.securityContext?.fsGroup !== undefined) for (const file of payload.values()) file.mode |= 0o440;
  return payload;
}

/** The volume's directory, on a tmpfs (sized as a memory emptyDir) for secret and projected volumes. */
async function prepareDir(volume: Volume, pod: Pod, podDir: string, source: ObjectSource): Promise<string> {
  const dir = volumeDir(podDir, volume.name);
  await mkdir(dir, { recursive: true });
  if (volume.secret || volume.projected) await ensureTmpfs(dir, memoryVolumeSize(pod, volume, source.node()));
  return dir;
}
