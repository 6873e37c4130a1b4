import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Image } from './image-service.ts';
import { importImagesDir } from './images-dir.ts';

describe('importImagesDir', () => {
  it('imports every archive in name order and reports the ones that fail', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-images-dir-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    for (const name of ['b.tar.gz', 'a.tar', 'c.tgz', 'broken.tar', 'notes.txt']) await writeFile(join(dir, name), '');
    await mkdir(join(dir, 'sub.tar'));
    const seen: string[] = [];
    const service = {
      importTarball: async (file: string): Promise<Image[]> => {
        seen.push(file.slice(dir.length + 1));
        if (file.endsWith('broken.tar')) throw new Error('not a tar archive');
        return [{ id: `sha256:${file}`, repoTags: [], repoDigests: [], size: 0, config: {}, layers: [] }];
      },
    };
    const result = await importImagesDir(service, dir);
    assert.deepEqual(seen, ['a.tar', 'b.tar.gz', 'broken.tar', 'c.tgz']);
    assert.equal(result.imported.length, 3);
    assert.deepEqual(
      result.failed.map((f) => [f.file, f.error.message]),
      [[join(dir, 'broken.tar'), 'not a tar archive']],
    );
  });

  it('imports nothing from a directory that does not exist', async () => {
    const result = await importImagesDir({ importTarball: async () => assert.fail('no archive') }, join(tmpdir(), 'skiff-no-such-dir-x9'));
    assert.deepEqual(result, { imported: [], failed: [] });
  });
});
