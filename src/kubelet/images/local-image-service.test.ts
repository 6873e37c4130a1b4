import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImagePullError } from './image-service.ts';
import { ImageNotFoundError, LocalImageService } from './local-image-service.ts';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../../../scripts/build-busybox-image.sh', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (layers keep owners)' : false;

describe('LocalImageService import', { skip }, () => {
  let tmp: string;
  const archives: Record<string, string> = {};
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'skiff-images-'));
    for (const format of ['both', 'docker', 'oci'] as const) {
      archives[format] = join(tmp, `busybox-${format}.tar`);
      await run(buildScript, ['--format', format, archives[format], `example.com/test/busybox-${format}:1`]);
    }
    archives.gzip = join(tmp, 'busybox.tar.gz');
    await run('sh', ['-c', 'gzip -c "$1" > "$2"', 'sh', archives.docker, archives.gzip]);
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  for (const format of ['both', 'docker', 'oci', 'gzip']) {
    it(`imports a ${format} archive whose layer holds bin/busybox and the applet links`, async (t) => {
      const rootDir = await mkdtemp(join(tmp, 'root-'));
      t.after(() => rm(rootDir, { recursive: true, force: true }));
      const service = new LocalImageService({ rootDir });
      const [image] = await service.importTarball(archives[format]);
      const name = `example.com/test/busybox-${format === 'gzip' ? 'docker' : format}:1`;
      assert.deepEqual(image.repoTags, [name]);
      assert.match(image.id, /^sha256:[a-f0-9]{64}$/);
      assert.deepEqual(image.config.Cmd, ['sh']);
      assert.ok(image.config.Env?.some((e) => e.startsWith('PATH=')));
      assert.equal(image.layers.length, 1);
      assert.ok((await stat(join(image.layers[0], 'bin', 'busybox'))).isFile());
      assert.equal(await readlink(join(image.layers[0], 'bin', 'sh')), '/bin/busybox');
      assert.equal((await stat(join(image.layers[0], 'tmp'))).mode & 0o7777, 0o1777);
      assert.ok(image.size > 1_000_000);
      assert.equal((await service.get(name))?.id, image.id);
      assert.equal((await service.get(image.id))?.id, image.id);
      assert.equal((await service.list()).length, 1);
    });
  }

  it('shares a layer between images and removes it with the last of them', async (t) => {
    const rootDir = await mkdtemp(join(tmp, 'root-'));
    t.after(() => rm(rootDir, { recursive: true, force: true }));
    const service = new LocalImageService({ rootDir });
    const [a] = await service.importTarball(archives.docker);
    const [b] = await service.importTarball(archives.oci);
    // Same content, so the same image id: one image with both names and one layer directory.
    assert.equal(a.id, b.id);
    assert.deepEqual((await service.get(a.id))?.repoTags.sort(), ['example.com/test/busybox-docker:1', 'example.com/test/busybox-oci:1']);
    assert.deepEqual(await readdir(join(rootDir, 'images', 'layers')), [a.layers[0].split('/').at(-1)]);

    await service.remove('example.com/test/busybox-docker:1');
    assert.equal(await service.get('example.com/test/busybox-docker:1'), undefined);
    await access(a.layers[0]);
    await service.remove('example.com/test/busybox-oci:1');
    assert.deepEqual(await service.list(), []);
    await assert.rejects(lstat(a.layers[0]), { code: 'ENOENT' });
    assert.deepEqual(await readdir(join(rootDir, 'images', 'blobs', 'sha256')), []);
    await assert.rejects(service.remove('example.com/test/busybox-oci:1'), ImageNotFoundError);
  });

  it('sees what another process imported and removed after it had read the index', async (t) => {
    const rootDir = await mkdtemp(join(tmp, 'root-'));
    t.after(() => rm(rootDir, { recursive: true, force: true }));
    const [kubelet, cli] = [new LocalImageService({ rootDir }), new LocalImageService({ rootDir })];
    await cli.importTarball(archives.oci);
    assert.equal((await kubelet.list()).length, 1);
    await cli.importTarball(archives.docker);
    assert.deepEqual((await kubelet.get('example.com/test/busybox-docker:1'))?.repoTags.sort(), ['example.com/test/busybox-docker:1', 'example.com/test/busybox-oci:1']);
    await cli.remove('example.com/test/busybox-oci:1');
    assert.equal(await kubelet.get('example.com/test/busybox-oci:1'), undefined);
  });

  it('imports what skopeo writes: a legacy docker archive whose layer is a symlink, and an OCI archive', async (t) => {
    const rootDir = await mkdtemp(join(tmp, 'root-'));
    t.after(() => rm(rootDir, { recursive: true, force: true }));
    const legacy = join(tmp, 'legacy');
    const copied = join(tmp, 'skopeo-docker.tar');
    await run('skopeo', ['copy', '--insecure-policy', '--quiet', `docker-archive:${archives.docker}`, `docker-archive:${copied}:legacy/app:2`]);
    await mkdir(legacy);
    await run('tar', ['-C', legacy, '-xf', copied]);
    // Point manifest.json at the symlinked <id>/layer.tar, as docker before 25 wrote it.
    const [entry] = JSON.parse(await readFile(join(legacy, 'manifest.json'), 'utf8'));
    const linked = (await readdir(legacy, { withFileTypes: true })).find((e) => e.isDirectory())!.name;
    entry.Layers = [`${linked}/layer.tar`];
    await writeFile(join(legacy, 'manifest.json'), JSON.stringify([entry]));
    const rebuilt = join(tmp, 'legacy.tar');
    await run('tar', ['-C', legacy, '-cf', rebuilt, '.']);
    const ociCopy = join(tmp, 'skopeo-oci.tar');
    await run('skopeo', ['copy', '--insecure-policy', '--quiet', `docker-archive:${archives.docker}`, `oci-archive:${ociCopy}:quay.io/x/app:3`]);

    const service = new LocalImageService({ rootDir });
    const [fromLegacy] = await service.importTarball(rebuilt);
    const [fromOci] = await service.importTarball(ociCopy);
    assert.deepEqual(fromLegacy.repoTags, ['docker.io/legacy/app:2']);
    assert.deepEqual(fromOci.repoTags, ['quay.io/x/app:3']);
    for (const image of [fromLegacy, fromOci]) assert.ok((await stat(join(image.layers[0], 'bin', 'busybox'))).isFile());
  });

  it('refuses a file that is not an image archive', async (t) => {
    const rootDir = await mkdtemp(join(tmp, 'root-'));
    t.after(() => rm(rootDir, { recursive: true, force: true }));
    const service = new LocalImageService({ rootDir });
    await assert.rejects(service.importTarball(buildScript), /not a tar archive/);
    await assert.rejects(service.importTarball(join(tmp, 'missing.tar')), /ENOENT/);
  });

  it('rejects a bad reference with InvalidImageName before going to any registry', async (t) => {
    const rootDir = await mkdtemp(join(tmp, 'root-'));
    t.after(() => rm(rootDir, { recursive: true, force: true }));
    const service = new LocalImageService({ rootDir });
    await assert.rejects(service.pull('BusyBox:1'), (err: unknown) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.reason, 'InvalidImageName');
      assert.match(err.message, /repository name \(library\/BusyBox\) must be lowercase/);
      return true;
    });
  });
});
