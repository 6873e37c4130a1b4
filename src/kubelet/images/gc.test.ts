import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bytesToFree, garbageCollectImages, removalOrder } from './gc.ts';
import type { Image } from './image-service.ts';
import { LocalImageService } from './local-image-service.ts';

const run = promisify(execFile);
const GB = 1024 ** 3;

function image(id: string, size: number, lastUsed?: string): Image {
  return { id, repoTags: [], repoDigests: [], size, config: {}, layers: [], lastUsed: lastUsed ? new Date(lastUsed) : undefined };
}

describe('bytesToFree', () => {
  const cases: Array<[string, number, number]> = [
    ['under the high mark', 20 * GB, 0],
    ['exactly at the high mark', 15 * GB, 5 * GB],
    ['over the high mark: down to the low mark', 10 * GB, 10 * GB],
    ['full', 0, 20 * GB],
  ];
  for (const [name, available, expected] of cases) {
    it(name, () => assert.equal(bytesToFree({ capacityBytes: 100 * GB, availableBytes: available }, 85, 80), expected));
  }
});

describe('removalOrder', () => {
  it('skips images in use and puts the least recently used first', () => {
    const images = [image('a', 1, '2026-01-03T00:00:00Z'), image('b', 1, '2026-01-01T00:00:00Z'), image('c', 1), image('d', 1, '2026-01-02T00:00:00Z')];
    assert.deepEqual(
      removalOrder(images, new Set(['d'])).map((i) => i.id),
      ['c', 'b', 'a'],
    );
  });
});

describe('garbageCollectImages', () => {
  it('removes only what is needed, oldest first, never an image in use', async () => {
    const images = [image('old', 3 * GB, '2026-01-01T00:00:00Z'), image('used', 50 * GB, '2025-01-01T00:00:00Z'), image('mid', 4 * GB, '2026-01-02T00:00:00Z'), image('new', 9 * GB, '2026-01-03T00:00:00Z')];
    const removed: string[] = [];
    const service = { list: async () => images, remove: async (id: string) => void removed.push(id) };
    const result = await garbageCollectImages(service, { inUse: new Set(['used']), diskUsage: async () => ({ capacityBytes: 100 * GB, availableBytes: 14 * GB }) });
    assert.deepEqual(removed, ['old', 'mid']);
    assert.deepEqual(result, { removed: ['old', 'mid'], freedBytes: 7 * GB, wantedBytes: 6 * GB });
  });

  it('does nothing under the high-water mark', async () => {
    const service = { list: async () => [image('a', GB)], remove: async () => assert.fail('nothing should be removed') };
    const result = await garbageCollectImages(service, { inUse: new Set(), diskUsage: async () => ({ capacityBytes: 100 * GB, availableBytes: 16 * GB }) });
    assert.deepEqual(result.removed, []);
  });

  it('removes the unused image from a real store and keeps the one in use', { skip: process.getuid?.() !== 0 ? 'needs root (layers keep owners)' : false }, async (t) => {
    const tmp = await mkdtemp(join(tmpdir(), 'skiff-gc-'));
    t.after(() => rm(tmp, { recursive: true, force: true }));
    const build = fileURLToPath(new URL('../../../scripts/build-busybox-image.sh', import.meta.url));
    const otherBusybox = join(tmp, 'busybox');
    await copyFile('/bin/busybox', otherBusybox);
    await appendFile(otherBusybox, '\n');
    await run(build, ['--format', 'docker', join(tmp, 'a.tar'), 'busybox:in-use']);
    await run(build, ['--format', 'docker', join(tmp, 'b.tar'), 'busybox:unused'], { env: { ...process.env, BUSYBOX: otherBusybox } });
    const service = new LocalImageService({ rootDir: join(tmp, 'root') });
    const [inUse] = await service.importTarball(join(tmp, 'a.tar'));
    const [unused] = await service.importTarball(join(tmp, 'b.tar'));
    assert.notEqual(inUse.id, unused.id);

    const result = await garbageCollectImages(service, {
      inUse: new Set([inUse.id]),
      diskUsage: async () => ({ capacityBytes: 100 * GB, availableBytes: 10 * GB }),
    });
    assert.deepEqual(result.removed, [unused.id]);
    assert.deepEqual((await service.list()).map((i) => i.repoTags), [['docker.io/library/busybox:in-use']]);
  });
});
