import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LayerPathError, unpackLayer } from './layer.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

/** Builds a tar from a directory with GNU tar, in the given format, optionally gzipped. */
async function tarOf(dir: string, out: string, format: 'gnu' | 'posix' | 'ustar', gzip = false): Promise<string> {
  await run('tar', ['-C', dir, `--format=${format}`, '--numeric-owner', ...(gzip ? ['-z'] : []), '-cf', out, '.']);
  return out;
}

async function sha256(file: string): Promise<string> {
  return `sha256:${createHash('sha256').update(await readFile(file)).digest('hex')}`;
}

describe('unpackLayer', { skip: isRoot ? false : 'needs root (whiteouts are device nodes, owners are kept)' }, () => {
  let tmp: string;
  let src: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'skiff-layer-'));
    src = join(tmp, 'src');
    const deep = join(src, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'long-file-name'), 'deep\n');
    await mkdir(join(src, 'etc'), { recursive: true });
    await writeFile(join(src, 'etc', 'motd'), 'hello\n', { mode: 0o640 });
    await run('chown', ['1234:5678', join(src, 'etc', 'motd')]);
    await run('ln', [join(src, 'etc', 'motd'), join(src, 'etc', 'motd.hard')]);
    await symlink('motd', join(src, 'etc', 'motd.link'));
    await writeFile(join(src, 'etc', '.wh.removed'), '');
    await mkdir(join(src, 'opaque'));
    await writeFile(join(src, 'opaque', '.wh..wh..opq'), '');
    await writeFile(join(src, 'setuid'), '#!/bin/sh\n', { mode: 0o4755 });
    await run('touch', ['-h', '-d', '@1000000000', join(src, 'etc', 'motd'), join(src, 'etc')]);
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  for (const [format, gzip] of [['gnu', false], ['posix', false], ['ustar', true]] as const) {
    it(`unpacks a ${format}${gzip ? '+gzip' : ''} layer with whiteouts, links, owners and modes`, async (t) => {
      if (format === 'ustar') {
        // ustar cannot hold the long path; leave it out of this variant.
        await rm(join(src, 'a'.repeat(60)), { recursive: true, force: true });
      }
      const layerFile = await tarOf(src, join(tmp, `${format}.tar${gzip ? '.gz' : ''}`), format, gzip);
      const dest = join(tmp, `out-${format}`);
      const { diffId, size } = await unpackLayer(layerFile, dest);
      t.after(() => rm(dest, { recursive: true, force: true }));

      const expectedDiffId = gzip ? await sha256(await gunzipTo(layerFile, join(tmp, `${format}.tar`))) : await sha256(layerFile);
      assert.equal(diffId, expectedDiffId);
      assert.ok(size > 0);
      assert.equal(await readFile(join(dest, 'etc', 'motd'), 'utf8'), 'hello\n');
      const motd = await stat(join(dest, 'etc', 'motd'));
      assert.equal(motd.mode & 0o7777, 0o640);
      assert.equal(motd.uid, 1234);
      assert.equal(motd.gid, 5678);
      assert.equal(motd.mtimeMs, 1000000000 * 1000);
      assert.equal((await stat(join(dest, 'etc'))).mtimeMs, 1000000000 * 1000);
      assert.equal((await stat(join(dest, 'etc', 'motd.hard'))).ino, motd.ino);
      assert.equal(await readlink(join(dest, 'etc', 'motd.link')), 'motd');
      assert.equal((await stat(join(dest, 'setuid'))).mode & 0o7777, 0o4755);
      const whiteout = await lstat(join(dest, 'etc', 'removed'));
      assert.ok(whiteout.isCharacterDevice());
      assert.equal(whiteout.rdev, 0);
      await assert.rejects(lstat(join(dest, 'etc', '.wh.removed')), { code: 'ENOENT' });
      const { stdout } = await run('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())', join(dest, 'opaque')]);
      assert.equal(stdout.trim(), 'y');
      await assert.rejects(lstat(join(dest, 'opaque', '.wh..wh..opq')), { code: 'ENOENT' });
      if (format !== 'ustar') {
        assert.equal(await readFile(join(dest, 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60), 'long-file-name'), 'utf8'), 'deep\n');
      }
    });
  }

  it('gives whiteouts and opaque directories their meaning in an overlay mount', async (t) => {
    const lowerSrc = join(tmp, 'lower-src');
    await mkdir(join(lowerSrc, 'etc'), { recursive: true });
    await mkdir(join(lowerSrc, 'opaque'), { recursive: true });
    await writeFile(join(lowerSrc, 'etc', 'gone'), 'x');
    await writeFile(join(lowerSrc, 'etc', 'kept'), 'x');
    await writeFile(join(lowerSrc, 'opaque', 'hidden'), 'x');
    const upperSrc = join(tmp, 'upper-src');
    await mkdir(join(upperSrc, 'etc'), { recursive: true });
    await mkdir(join(upperSrc, 'opaque'), { recursive: true });
    await writeFile(join(upperSrc, 'etc', '.wh.gone'), '');
    await writeFile(join(upperSrc, 'opaque', '.wh..wh..opq'), '');
    await writeFile(join(upperSrc, 'opaque', 'new'), 'x');
    const lower = join(tmp, 'lower');
    const upper = join(tmp, 'upper');
    await unpackLayer(await tarOf(lowerSrc, join(tmp, 'lower.tar'), 'gnu'), lower);
    await unpackLayer(await tarOf(upperSrc, join(tmp, 'upper.tar'), 'gnu'), upper);
    const merged = join(tmp, 'merged');
    await mkdir(merged);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper}:${lower}`, merged]);
    t.after(() => run('umount', [merged]));
    assert.deepEqual((await readdir(join(merged, 'etc'))).sort(), ['kept']);
    assert.deepEqual((await readdir(join(merged, 'opaque'))).sort(), ['new']);
  });

  it('refuses entries that climb out of the layer', async () => {
    const evil = join(tmp, 'evil');
    await mkdir(join(evil, 'x'), { recursive: true });
    await writeFile(join(evil, 'x', 'f'), 'x');
    const file = join(tmp, 'evil.tar');
    // GNU tar's --transform writes the '..' path verbatim (with -P it keeps it).
    await run('tar', ['-C', evil, '-P', '--transform', 's,^x/f$,../../escaped,', '-cf', file, 'x/f']);
    const dest = join(tmp, 'out-evil', 'layer');
    await assert.rejects(unpackLayer(file, dest), LayerPathError);
    await assert.rejects(lstat(join(tmp, 'escaped')), { code: 'ENOENT' });
  });

  it('refuses writing through a symlink the layer made', async () => {
    const evil = join(tmp, 'evil2');
    await mkdir(join(evil, 'dir'), { recursive: true });
    await writeFile(join(evil, 'dir', 'passwd'), 'pwned');
    await symlink(tmp, join(evil, 'link'));
    const file = join(tmp, 'evil2.tar');
    await run('tar', ['-C', evil, '--transform', 's,^dir/passwd$,link/passwd,', '-cf', file, 'link', 'dir/passwd']);
    await assert.rejects(unpackLayer(file, join(tmp, 'out-evil2')), LayerPathError);
    await assert.rejects(lstat(join(tmp, 'passwd')), { code: 'ENOENT' });
  });
});

async function gunzipTo(file: string, out: string): Promise<string> {
  const { stdout } = await run('gzip', ['-dc', file], { encoding: 'buffer', maxBuffer: 1 << 30 });
  await writeFile(out, stdout);
  return out;
}
