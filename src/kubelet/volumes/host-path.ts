/**
 * hostPath volumes: the node's own path, checked (or created) by the volume's type as upstream
 * does — "" checks nothing; DirectoryOrCreate and FileOrCreate create what is missing (0755
 * directory with parents, 0644 empty file); the others require the kind of file they name.
 */
import type { HostPathVolumeSource } from 'kubernetes-types/core/v1.js';
import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { VolumeSourceError } from './errors.ts';

const KINDS: Record<string, { is: (s: Stats) => boolean; noun: string }> = {
  Directory: { is: (s) => s.isDirectory(), noun: 'a directory' },
  DirectoryOrCreate: { is: (s) => s.isDirectory(), noun: 'a directory' },
  File: { is: (s) => s.isFile(), noun: 'a file' },
  FileOrCreate: { is: (s) => s.isFile(), noun: 'a file' },
  Socket: { is: (s) => s.isSocket(), noun: 'a socket file' },
  CharDevice: { is: (s) => s.isCharacterDevice(), noun: 'a character device' },
  BlockDevice: { is: (s) => s.isBlockDevice(), noun: 'a block device' },
};

/** Checks (or creates) the host path; resolves with it. */
export async function setUpHostPath(source: HostPathVolumeSource): Promise<string> {
  const type = source.type ?? '';
  const path = source.path;
  if (type === '') return path;
  const kind = KINDS[type];
  if (!kind) throw new VolumeSourceError(`hostPath type check failed: ${path} has an unknown type ${type}`);
  let st = await stat(path).catch(() => undefined);
  if (!st && type === 'DirectoryOrCreate') {
    await mkdir(path, { recursive: true, mode: 0o755 });
    st = await stat(path);
  } else if (!st && type === 'FileOrCreate') {
    // Like upstream, only the file is made; its directory must exist.
    await open(path, 'a', 0o644).then((f) => f.close()).catch(() => {});
    st = await stat(path).catch(() => undefined);
  }
  if (!st || !kind.is(st)) throw new VolumeSourceError(`hostPath type check failed: ${path} is not ${kind.noun}`);
  return path;
}
