import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './credential-files.ts';

test('replacing a world-readable file leaves only the new content, at the requested mode', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'secret');
  await writeFile(path, 'old');
  await chmod(path, 0o644);

  await writeFileAtomic(path, 'new');
  assert.equal(await readFile(path, 'utf8'), 'new');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['secret']);
});

test('a missing file reads as undefined, other failures still throw', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.equal(await readFileIfExists(join(dir, 'absent')), undefined);
  await assert.rejects(readFileIfExists(dir), { code: 'EISDIR' });
});

test('a write into a missing directory fails and leaves nothing behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await assert.rejects(writeFileAtomic(join(dir, 'no-such-dir', 'secret'), 'x'), { code: 'ENOENT' });
  assert.deepEqual(await readdir(dir), []);
});
