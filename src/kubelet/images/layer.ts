/**
 * Unpacks one image layer (a tar, gzip-compressed or not) into a directory that overlayfs can
 * use as a lower layer: OCI whiteouts become overlay whiteouts (`.wh.NAME` → a 0/0 character
 * device, `.wh..wh..opq` → the `trusted.overlay.opaque=y` xattr), and owners, modes and mtimes
 * are kept. Paths that would land outside the directory (`..`, or through a symlink the layer
 * itself made) are refused. The uncompressed stream is hashed on the way so the caller can check
 * it against the image config's diff_id.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openDecompressed } from './compression.ts';
import { readTar, type TarEntry } from './tar-reader.ts';

/** A layer entry that would be written outside the layer directory. */
export class LayerPathError extends Error {
  constructor(entryPath: string) {
    super(`layer entry "${entryPath}" points outside the layer`);
    this.name = 'LayerPathError';
  }
}

/** What unpacking found: the uncompressed digest to check, and the bytes written. */
export interface UnpackedLayer {
  /** sha256 of the uncompressed tar: the layer's diff_id. */
  diffId: string;
  /** Bytes of the regular files written. */
  size: number;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** aufs bookkeeping (`.wh..wh.plnk`, ...), not whiteouts. */
const AUFS_META_PREFIX = '.wh..wh.';

/** Unpacks the layer blob at `file` into `dest` (created; should be empty). */
export async function unpackLayer(file: string, dest: string): Promise<UnpackedLayer> {
  const tar = await openDecompressed(file);
  const hash = createHash('sha256');
  const hashed = (async function* () {
    for await (const chunk of tar as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  })();
  try {
    await mkdir(dest, { recursive: true });
    const size = await applyEntries(readTar(hashed), dest);
    // The diff_id covers the end-of-archive blocks and any padding after them too.
    for await (const _ of hashed);
    return { diffId: `sha256:${hash.digest('hex')}`, size };
  } finally {
    tar.destroy();
  }
}

interface SpecialFile {
  path: string;
  kind: 'c' | 'b' | 'p';
  major: number;
  minor: number;
}

async function applyEntries(entries: AsyncIterable<{ entry: TarEntry; body: AsyncIterable<Buffer> }>, dest: string): Promise<number> {
  const symlinks = new Set<string>();
  const madeDirs = new Set<string>(['']);
  const directories: Array<{ path: string; mtime: number }> = [];
  const opaques: string[] = [];
  const special: SpecialFile[] = [];
  const specialEntries: Array<{ path: string; entry: TarEntry }> = [];
  let size = 0;

  const ensureDir = async (rel: string) => {
    if (madeDirs.has(rel)) return;
    await mkdir(join(dest, rel), { recursive: true });
    for (let p = rel; p && !madeDirs.has(p); p = parentOf(p)) madeDirs.add(p);
  };

  for await (const { entry, body } of entries) {
    const rel = withinLayer(entry.path);
    if (rel === '') continue;
    checkParents(rel, symlinks, entry.path);
    const parent = parentOf(rel);
    const base = posix.basename(rel);
    await ensureDir(parent);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base === OPAQUE_WHITEOUT) opaques.push(join(dest, parent));
      else if (!base.startsWith(AUFS_META_PREFIX)) special.push({ path: join(dest, parent, base.slice(WHITEOUT_PREFIX.length)), kind: 'c', major: 0, minor: 0 });
      continue;
    }
    const target = join(dest, rel);
    symlinks.delete(rel);
    switch (entry.type) {
      case 'directory':
        await replaceUnlessDirectory(target);
        await mkdir(target, { recursive: true });
        madeDirs.add(rel);
        directories.push({ path: target, mtime: entry.mtime });
        break;
      case 'file':
        await writeFile(target, body);
        size += entry.size;
        break;
      case 'symlink':
        await createReplacing(target, () => symlink(entry.linkname, target));
        symlinks.add(rel);
        break;
      case 'hardlink': {
        const source = withinLayer(entry.linkname);
        checkParents(source, symlinks, entry.linkname);
        await createReplacing(target, () => link(join(dest, source), target));
        continue;
      }
      default:
        await rm(target, { recursive: true, force: true });
        special.push({ path: target, kind: entry.type === 'fifo' ? 'p' : entry.type === 'block' ? 'b' : 'c', major: entry.devmajor, minor: entry.devminor });
        specialEntries.push({ path: target, entry });
        continue;
    }
    await setAttributes(target, entry);
  }

  await makeSpecialFiles(special, opaques);
  for (const { path, entry } of specialEntries) await setAttributes(path, entry);
  // Directory mtimes last: creating their children moved them.
  for (const { path, mtime } of directories.reverse()) await lutimes(path, mtime, mtime);
  return size;
}

/** The entry's path relative to the layer root ('' for the root itself); throws when it escapes. */
function withinLayer(entryPath: string): string {
  // Absolute names are relative to the layer root; '..' that climbs above it is refused.
  const normal = posix.normalize(entryPath.replace(/^\/+/, '') || '.').replace(/\/$/, '');
  if (normal === '..' || normal.startsWith('../')) throw new LayerPathError(entryPath);
  return normal === '.' ? '' : normal;
}

/** Refuses writing through a symlink this layer made (it could point anywhere on the host). */
function checkParents(rel: string, symlinks: Set<string>, entryPath: string): void {
  for (let p = parentOf(rel); p; p = parentOf(p)) if (symlinks.has(p)) throw new LayerPathError(entryPath);
}

function parentOf(rel: string): string {
  const dir = posix.dirname(rel);
  return dir === '.' ? '' : dir;
}

async function writeFile(target: string, body: AsyncIterable<Buffer>): Promise<void> {
  let handle: FileHandle | undefined;
  // O_EXCL: never follow a symlink an earlier entry left at this path.
  await createReplacing(target, async () => (handle = await open(target, 'wx')));
  await pipeline(body, createWriteStream('', { fd: handle! }));
}

/** Runs create(); when the path is taken (a later entry replaces an earlier one), removes it and retries. */
async function createReplacing(target: string, create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await rm(target, { recursive: true, force: true });
    await create();
  }
}

async function replaceUnlessDirectory(target: string): Promise<void> {
  try {
    await mkdir(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A directory entry replaces whatever else is there (mkdir would follow a symlink).
    if (!(await lstat(target)).isDirectory()) await rm(target, { force: true });
  }
}

async function setAttributes(target: string, entry: TarEntry): Promise<void> {
  // chown before chmod: chown clears setuid/setgid bits.
  await lchown(target, entry.uid, entry.gid);
  if (entry.type !== 'symlink') await chmod(target, entry.mode);
  if (entry.type !== 'directory') await lutimes(target, entry.mtime, entry.mtime);
}

/**
 * Node has no mknod or setxattr: whiteouts and device nodes come from the `mknod` binary (a few
 * ms each, run side by side), opaque markers from one python3 call per layer (python's start-up
 * is slow, and opaque directories are rare).
 */
async function makeSpecialFiles(special: SpecialFile[], opaques: string[]): Promise<void> {
  const jobs = special.map((f) => () => tool('mknod', [f.path, f.kind, ...(f.kind === 'p' ? [] : [String(f.major), String(f.minor)])]));
  if (opaques.length) jobs.push(() => tool('python3', ['-S', '-c', SET_OPAQUE_SCRIPT, ...opaques]));
  const workers = Array.from({ length: Math.min(8, jobs.length) }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job();
  });
  await Promise.all(workers);
}

const SET_OPAQUE_SCRIPT = 'import os, sys\nfor d in sys.argv[1:]: os.setxattr(d, "trusted.overlay.opaque", b"y")';

function tool(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(command, args, (err, _stdout, stderr) =>
      err ? reject(new Error(`${command} ${args.at(-1)}: ${String(stderr).trim() || err.message}`, { cause: err })) : resolve(),
    ),
  );
}
