import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, openSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLONED_BINARY_ENV, isReadOnlyMountOf, readOnlyExecutable } from './read-only-binary.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (bind mounts)' : undefined;

describe('readOnlyExecutable', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-ro-binary-'));
  const mounts = join(dir, 'bin');
  const binary = join(dir, 'crun');
  copyFileSync('/bin/true', binary);
  after(() => {
    execFileSync('umount', [join(mounts, 'crun')]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('runs the binary from a read-only mount of itself, marked as such for the runtime', async () => {
    const executable = await readOnlyExecutable(binary, mounts);
    assert.equal(executable.path, join(mounts, 'crun'));
    assert.deepEqual(executable.env, { [CLONED_BINARY_ENV]: '1' });
    assert.ok(isReadOnlyMountOf(executable.path, binary));
    assert.throws(() => openSync(executable.path, 'r+'), { code: 'EROFS' });
    execFileSync(executable.path);
    // Asked again, the mount is reused.
    assert.deepEqual(await readOnlyExecutable(binary, mounts), executable);
  });

  test('a binary replaced since (an upgrade) is mounted again', async () => {
    const before = await readOnlyExecutable(binary, mounts);
    copyFileSync('/bin/true', `${binary}.new`);
    renameSync(`${binary}.new`, binary);
    assert.ok(!isReadOnlyMountOf(before.path, binary));
    const afterUpgrade = await readOnlyExecutable(binary, mounts);
    assert.equal(afterUpgrade.path, before.path);
    assert.ok(isReadOnlyMountOf(afterUpgrade.path, binary));
  });

  test('a binary that cannot be found is run by its name, as it is', async () => {
    assert.deepEqual(await readOnlyExecutable('skiff-no-such-runtime', mounts), { path: 'skiff-no-such-runtime', env: {}, source: 'skiff-no-such-runtime' });
  });
});
