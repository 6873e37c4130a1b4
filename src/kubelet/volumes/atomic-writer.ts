/**
 * Writes a volume's files so a container sees either the old set or the new one, never a mix —
 * upstream's layout for configMap, secret, downwardAPI and projected volumes:
 *
 *   VOLUME/..2026_11_26_12_00_00.123456789/key   the files of one version
 *   VOLUME/..data -> ..2026_11_26_...            swapped by one rename
 *   VOLUME/key -> ..data/key                     what the user sees
 *
 * A new version is written beside the old, `..data` is renamed over to point at it, then the
 * user-visible links are brought in step and the old version is removed. Nothing is rewritten
 * when the files and modes are unchanged.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { VolumeSourceError } from './errors.ts';

/** One file of a volume: its path inside the volume, content and permission bits. */
export interface FileProjection {
  content: Buffer;
  mode: number;
}

/** Relative path → file. */
export type Payload = Map<string, FileProjection>;

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** Makes `dir` hold exactly `payload`, its files and directories owned by group `gid` when given; returns whether anything changed. */
export async function writePayload(dir: string, payload: Payload, options: { gid?: number } = {}): Promise<boolean> {
  for (const path of payload.keys()) checkPath(path);
  await mkdir(dir, { recursive: true });
  const oldVersion = await readlink(join(dir, DATA)).catch(() => undefined);
  if (oldVersion && (await samePayload(join(dir, oldVersion), payload))) return false;

  const version = `..${timestamp()}${randomBytes(3).toString('hex')}`;
  const versionDir = join(dir, version);
  await mkdir(versionDir, { mode: 0o755 });
  for (const [path, file] of payload) {
    const target = join(versionDir, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, file.content, { mode: file.mode });
    await chmod(target, file.mode);
  }
  if (options.gid !== undefined) await chownTree(versionDir, options.gid);
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(version, join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA));

  const visible = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of visible) {
    const link = join(dir, name);
    const current = await readlink(link).catch(() => undefined);
    if (current === join(DATA, name)) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(join(DATA, name), link);
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') || visible.has(entry)) continue;
    // Only links this writer made are removed; anything else in the directory is not ours.
    if ((await lstat(join(dir, entry))).isSymbolicLink()) await rm(join(dir, entry), { force: true });
  }
  if (oldVersion && oldVersion !== version) await rm(join(dir, oldVersion), { recursive: true, force: true });
  return true;
}

/** Paths stay inside the volume: relative, no `..` element, and not starting with `..` (reserved). */
function checkPath(path: string): void {
  if (!path || path.startsWith('/')) throw new VolumeSourceError(`invalid path "${path}": must be a relative path`);
  if (path.split('/').includes('..')) throw new VolumeSourceError(`invalid path "${path}": must not contain '..'`);
  if (path.startsWith('..')) throw new VolumeSourceError(`invalid path "${path}": must not start with '..'`);
  if (normalize(path) !== path) throw new VolumeSourceError(`invalid path "${path}": must be a clean path`);
}

async function samePayload(versionDir: string, payload: Payload): Promise<boolean> {
  const existing = await listFiles(versionDir).catch(() => undefined);
  if (!existing || existing.length !== payload.size) return false;
  for (const path of existing) {
    const want = payload.get(path);
    if (!want) return false;
    const full = join(versionDir, path);
    if (((await stat(full)).mode & 0o7777) !== want.mode) return false;
    if (!(await readFile(full)).equals(want.content)) return false;
  }
  return true;
}

async function chownTree(path: string, gid: number): Promise<void> {
  await chown(path, process.getuid?.() ?? 0, gid);
  if (!(await lstat(path)).isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), gid);
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** `2026_11_26_12_00_00.` in UTC, as upstream names versions (a random suffix follows). */
function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}
