import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, copyFile, mkdtemp, readlink, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImagePullError } from './image-service.ts';
import { LocalImageService } from './local-image-service.ts';
import { hostArchitecture, MediaTypes } from './manifest.ts';
import { registrySkipReason, startTestRegistry, type TestRegistry } from './registry.test-support.ts';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../../../scripts/build-busybox-image.sh', import.meta.url));
const skip = process.getuid?.() !== 0 ? 'needs root (layers keep owners)' : await registrySkipReason();

describe('LocalImageService pull from a registry', { skip: skip ?? false }, () => {
  let tmp: string;
  let registry: TestRegistry;
  let otherArchive: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'skiff-pull-'));
    registry = await startTestRegistry();
    const archive = join(tmp, 'busybox.tar');
    await run(buildScript, ['--format', 'docker', archive]);
    await registry.push(archive, 'busybox:1');
    // A second, different image: the same busybox with a byte appended (it still runs).
    const otherBusybox = join(tmp, 'busybox-other');
    await copyFile('/bin/busybox', otherBusybox);
    await appendFile(otherBusybox, '\n');
    otherArchive = join(tmp, 'other.tar');
    await run(buildScript, ['--format', 'docker', otherArchive], { env: { ...process.env, BUSYBOX: otherBusybox } });
    await registry.push(otherArchive, 'other:1');
  });
  after(async () => {
    await registry?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  const newService = async (t: { after(fn: () => Promise<void>): void }) => {
    const rootDir = await mkdtemp(join(tmp, 'root-'));
    t.after(() => rm(rootDir, { recursive: true, force: true }));
    return new LocalImageService({ rootDir });
  };

  it('pulls a tag over HTTP from a loopback registry, gzip layers unpacked', async (t) => {
    const service = await newService(t);
    const image = await service.pull(`${registry.host}/busybox:1`);
    assert.deepEqual(image.repoTags, [`${registry.host}/busybox:1`]);
    const top = await fetchManifest(registry.host, 'busybox', '1', MediaTypes.dockerManifest);
    assert.deepEqual(image.repoDigests, [`${registry.host}/busybox@${top.digest}`]);
    assert.ok((await stat(join(image.layers[0], 'bin', 'busybox'))).isFile());
    assert.equal(await readlink(join(image.layers[0], 'bin', 'sh')), '/bin/busybox');
    assert.deepEqual(image.config.Cmd, ['sh']);
    assert.equal((await service.get(`${registry.host}/busybox:1`))?.id, image.id);
    assert.equal((await service.get(`${registry.host}/busybox@${top.digest}`))?.id, image.id);

    // By digest too: same image, nothing fetched twice.
    const again = await service.pull(`${registry.host}/busybox@${top.digest}`);
    assert.equal(again.id, image.id);
    assert.equal((await service.list()).length, 1);
  });

  it('shares one download among concurrent pulls of an image', async (t) => {
    const service = await newService(t);
    const images = await Promise.all([1, 2, 3].map(() => service.pull(`${registry.host}/busybox:1`)));
    assert.equal(new Set(images.map((i) => i.id)).size, 1);
    assert.equal((await service.list()).length, 1);
    assert.ok((await stat(join(images[0].layers[0], 'bin', 'busybox'))).isFile());
  });

  it('chooses this machine’s platform from a manifest list', async (t) => {
    const service = await newService(t);
    const mine = await fetchManifest(registry.host, 'busybox', '1', MediaTypes.dockerManifest);
    const other = await fetchManifest(registry.host, 'other', '1', MediaTypes.dockerManifest);
    // The list is in the busybox repository, so its entries must be there too.
    await run('skopeo', ['copy', '--insecure-policy', '--quiet', '--dest-tls-verify=false', `docker-archive:${otherArchive}`, `docker://${registry.host}/busybox:other`]);
    const foreignArch = hostArchitecture() === 's390x' ? 'amd64' : 's390x';
    await putManifest(registry.host, 'busybox', 'multi', MediaTypes.dockerManifestList, {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifestList,
      manifests: [
        { mediaType: MediaTypes.dockerManifest, digest: other.digest, size: other.size, platform: { os: 'linux', architecture: foreignArch } },
        { mediaType: MediaTypes.dockerManifest, digest: mine.digest, size: mine.size, platform: { os: 'linux', architecture: hostArchitecture() } },
      ],
    });
    const image = await service.pull(`${registry.host}/busybox:multi`);
    const expected = await service.pull(`${registry.host}/busybox:1`);
    assert.equal(image.id, expected.id);
    const list = await fetchManifest(registry.host, 'busybox', 'multi', MediaTypes.dockerManifestList);
    assert.ok(image.repoDigests.includes(`${registry.host}/busybox@${list.digest}`));
  });

  it('fails a missing tag with ErrImagePull and the registry’s message', async (t) => {
    const service = await newService(t);
    await assert.rejects(service.pull(`${registry.host}/busybox:nope`), (err: unknown) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.reason, 'ErrImagePull');
      assert.equal(err.message, `failed to resolve reference "${registry.host}/busybox:nope": manifest unknown`);
      return true;
    });
    await assert.rejects(service.pull(`${registry.host}/nothing-here:1`), /failed to resolve reference .*: (manifest|repository name) unknown/);
    assert.deepEqual(await service.list(), []);
  });

  it('gets a Bearer token from the realm the registry names, with the pull secret’s credentials', async (t) => {
    // A front door that demands a token, as Docker Hub does, in front of the real registry.
    const scopes: string[] = [];
    const front = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://front');
      if (url.pathname === '/token') {
        scopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`);
        const good = req.headers.authorization === `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
        res.end(JSON.stringify(good ? { token: 'granted' } : { access_token: 'anonymous' }));
        return;
      }
      if (req.headers.authorization !== 'Bearer granted') {
        const { port } = front.address() as { port: number };
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:busybox:pull"`, 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const upstream = http.request(`http://${registry.host}${req.url}`, { method: req.method, headers: { ...req.headers, host: registry.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => front.close(() => resolve())));
    const host = `127.0.0.1:${(front.address() as { port: number }).port}`;
    const service = await newService(t);

    await assert.rejects(service.pull(`${host}/busybox:1`), (err: unknown) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.message, `failed to resolve reference "${host}/busybox:1": authentication required`);
      return true;
    });
    const image = await service.pull(`${host}/busybox:1`, { auth: [{ registry: `http://${host}`, auth: Buffer.from('alice:s3cret').toString('base64') }] });
    assert.deepEqual(image.repoTags, [`${host}/busybox:1`]);
    assert.deepEqual(new Set(scopes), new Set(['test-registry repository:busybox:pull']));
  });

  it('fails with ErrImagePull when nothing listens', async (t) => {
    const service = await newService(t);
    const closed = await new Promise<number>((resolve) => {
      const server = http.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    await assert.rejects(service.pull(`127.0.0.1:${closed}/busybox:1`), (err: unknown) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.reason, 'ErrImagePull');
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
  });
});

async function fetchManifest(host: string, repo: string, ref: string, accept: string): Promise<{ digest: string; size: number }> {
  const body = await new Promise<Buffer>((resolve, reject) => {
    http.get(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { accept } }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      if (res.statusCode !== 200) reject(new Error(`GET manifest ${repo}:${ref}: ${res.statusCode}`));
      else resolve(Buffer.concat(chunks));
    }).on('error', reject);
  });
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, size: body.length };
}

async function putManifest(host: string, repo: string, tag: string, mediaType: string, doc: unknown): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': mediaType } }, async (res) => {
      let text = '';
      for await (const c of res) text += c;
      if (res.statusCode === 201) resolve();
      else reject(new Error(`PUT manifest: ${res.statusCode} ${text}`));
    });
    req.on('error', reject);
    req.end(JSON.stringify(doc));
  });
}
