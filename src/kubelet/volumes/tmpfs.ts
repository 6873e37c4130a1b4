/**
 * Memory-backed volume directories (emptyDir medium Memory, secrets, projected volumes) and
 * finding and removing mounts under a pod's directory: mount(8)/umount(8) through execFile,
 * mount points read from /proc/self/mountinfo.
 */
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mounts a tmpfs on `dir` unless one is already there; `sizeBytes` caps it (default: the kernel's, half of RAM). */
export async function ensureTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (await isMountPoint(dir)) return;
  const opts = ['mode=0755', ...(sizeBytes !== undefined ? [`size=${Math.max(1, Math.floor(sizeBytes))}`] : [])];
  await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
}

/** Whether something is mounted exactly at `dir`. */
export async function isMountPoint(dir: string): Promise<boolean> {
  const real = await realpath(dir).catch(() => dir);
  return (await mountPoints()).includes(real);
}

/** Every mount point at or under `dir`, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const real = await realpath(dir).catch(() => dir);
  return (await mountPoints())
    .filter((m) => m === real || m.startsWith(`${real}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or under `dir`, deepest first (lazily when busy, so a stuck reader cannot wedge teardown). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) {
    await run('umount', [m]).catch(() => run('umount', ['-l', m]));
  }
}

async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4]));
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
