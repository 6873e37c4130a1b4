import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { b64, fakeObjectSource } from './fake-object-source.test-support.ts';
import { refreshPodVolumes, setUpPodVolumes, tearDownPodVolumes, VolumeSetupError } from './index.ts';
import { isMountPoint, mountsUnder } from './tmpfs.ts';

const isRoot = process.getuid?.() === 0;

function pod(volumes: Volume[]): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'say "hi"' } },
    spec: { containers: [{ name: 'app', resources: { limits: { memory: '64Mi' } } }], volumes },
  };
}

function source() {
  return fakeObjectSource({
    configMaps: { 'ns/cfg': { metadata: { name: 'cfg' }, data: { 'app.conf': 'port=80\n', other: 'x' }, binaryData: { 'blob.bin': b64('\x00\x01') } } },
    secrets: { 'ns/creds': { metadata: { name: 'creds' }, data: { password: b64('hunter2') } } },
  });
}

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

describe('pod volumes', { skip: !isRoot && 'needs root to mount tmpfs' }, () => {
  let dir: string;
  let podDir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-volumes-'));
  });
  after(async () => {
    for (const m of await mountsUnder(dir)) await tearDownPodVolumes(join(m, '..', '..'));
    await rm(dir, { recursive: true, force: true });
  });
  let n = 0;
  const freshPodDir = () => (podDir = join(dir, `pod-${n++}`));

  test('emptyDir on disk is a world-writable directory; Memory is a tmpfs with the size limit', async () => {
    freshPodDir();
    const vols = await setUpPodVolumes(pod([{ name: 'scratch', emptyDir: {} }, { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }]), podDir, source());
    assert.equal(await mode(vols.get('scratch')!.hostPath), '777');
    const shm = vols.get('shm')!.hostPath;
    assert.ok(await isMountPoint(shm));
    const mounts = await readFile('/proc/self/mounts', 'utf8');
    assert.match(mounts.split('\n').find((l) => l.includes(` ${shm} `)) ?? '', /tmpfs .*size=8192k/);
    // Setting up again (every sync does) changes nothing and mounts nothing twice.
    await setUpPodVolumes(pod([{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }]), podDir, source());
    assert.equal((await mountsUnder(shm)).length, 1);
    await tearDownPodVolumes(podDir);
    assert.equal(await isMountPoint(shm), false);
    await assert.rejects(stat(join(podDir, 'volumes')));
  });

  test('configMap: keys as files behind the ..data link, binaryData decoded, default mode 0644', async () => {
    freshPodDir();
    const vols = await setUpPodVolumes(pod([{ name: 'config', configMap: { name: 'cfg' } }]), podDir, source());
    const v = vols.get('config')!;
    assert.equal(v.readOnly, true);
    assert.equal(await readFile(join(v.hostPath, 'app.conf'), 'utf8'), 'port=80\n');
    assert.deepEqual(await readFile(join(v.hostPath, 'blob.bin')), Buffer.from([0, 1]));
    assert.equal(await readlink(join(v.hostPath, 'app.conf')), '..data/app.conf');
    assert.match(await readlink(join(v.hostPath, '..data')), /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    assert.equal(await mode(join(v.hostPath, 'app.conf')), '644');
    assert.equal(await isMountPoint(v.hostPath), false);
  });

  test('configMap items pick keys, paths and modes', async () => {
    freshPodDir();
    const vols = await setUpPodVolumes(pod([{ name: 'c', configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'app.conf', path: 'etc/app.conf', mode: 0o400 }, { key: 'other', path: 'other.txt' }] } }]), podDir, source());
    const root = vols.get('c')!.hostPath;
    assert.deepEqual((await readdir(root)).filter((e) => !e.startsWith('..')).sort(), ['etc', 'other.txt']);
    assert.equal(await readFile(join(root, 'etc/app.conf'), 'utf8'), 'port=80\n');
    assert.equal(await mode(join(root, 'etc/app.conf')), '400');
    assert.equal(await mode(join(root, 'other.txt')), '600');
  });

  const failures: Array<[string, Volume, string]> = [
    ['missing configmap', { name: 'c', configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "c" : configmap "nope" not found'],
    ['missing configmap key', { name: 'c', configMap: { name: 'cfg', items: [{ key: 'k', path: 'k' }] } }, 'MountVolume.SetUp failed for volume "c" : configmap references non-existent config key: k'],
    ['missing secret', { name: 's', secret: { secretName: 'nope' } }, 'MountVolume.SetUp failed for volume "s" : secret "nope" not found'],
    ['missing secret key', { name: 's', secret: { secretName: 'creds', items: [{ key: 'k', path: 'k' }] } }, 'MountVolume.SetUp failed for volume "s" : references non-existent secret key: k'],
    ['item path escaping the volume', { name: 'c', configMap: { name: 'cfg', items: [{ key: 'other', path: '../x' }] } }, `MountVolume.SetUp failed for volume "c" : invalid path "../x": must not contain '..'`],
  ];
  for (const [name, volume, message] of failures) {
    test(`fails with a VolumeSetupError: ${name}`, async () => {
      freshPodDir();
      await assert.rejects(setUpPodVolumes(pod([volume]), podDir, source()), (err: unknown) => {
        assert.ok(err instanceof VolumeSetupError);
        assert.equal(err.volumeName, volume.name);
        assert.equal(err.message, message);
        return true;
      });
      await tearDownPodVolumes(podDir);
    });
  }

  test('optional sources that are missing give an empty volume', async () => {
    freshPodDir();
    const vols = await setUpPodVolumes(pod([{ name: 'c', configMap: { name: 'nope', optional: true } }, { name: 's', secret: { secretName: 'creds', optional: true, items: [{ key: 'k', path: 'k' }] } }]), podDir, source());
    assert.deepEqual((await readdir(vols.get('c')!.hostPath)).filter((e) => !e.startsWith('..')), []);
    assert.deepEqual((await readdir(vols.get('s')!.hostPath)).filter((e) => !e.startsWith('..')), []);
    await tearDownPodVolumes(podDir);
  });

  test('secret files are decoded onto a tmpfs', async () => {
    freshPodDir();
    const vols = await setUpPodVolumes(pod([{ name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } }]), podDir, source());
    const root = vols.get('s')!.hostPath;
    assert.ok(await isMountPoint(root));
    assert.equal(await readFile(join(root, 'password'), 'utf8'), 'hunter2');
    assert.equal(await mode(join(root, 'password')), '400');
    await tearDownPodVolumes(podDir);
    assert.equal(await isMountPoint(root), false);
  });

  test('downwardAPI: labels as sorted key="value" lines, single fields, resources', async () => {
    freshPodDir();
    const vols = await setUpPodVolumes(
      pod([
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
              { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu' } },
            ],
          },
        },
      ]),
      podDir,
      source(),
    );
    const root = vols.get('info')!.hostPath;
    const read = (f: string) => readFile(join(root, f), 'utf8');
    assert.equal(await read('labels'), 'app="web"\ntier="front"');
    assert.equal(await read('annotations'), 'note="say \\"hi\\""');
    assert.equal(await read('name'), 'web');
    assert.equal(await read('mem'), '64');
    assert.equal(await read('cpu'), '2', 'no cpu limit: the node allocatable');
  });

  test('projected volume merges sources; the service account token is a placeholder without an issuer', async () => {
    freshPodDir();
    const volume: Volume = {
      name: 'kube-api-access',
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          { secret: { name: 'creds' } },
        ],
      },
    };
    let vols = await setUpPodVolumes(pod([volume]), podDir, source());
    const root = vols.get('kube-api-access')!.hostPath;
    assert.ok(await isMountPoint(root));
    assert.deepEqual((await readdir(root)).filter((e) => !e.startsWith('..')).sort(), ['ca.crt', 'namespace', 'password', 'token']);
    assert.equal(await readFile(join(root, 'token'), 'utf8'), '');
    assert.equal(await readFile(join(root, 'namespace'), 'utf8'), 'ns');
    vols = await setUpPodVolumes(pod([volume]), podDir, source(), { serviceAccountToken: async (_pod, req) => `token-for-${req.expirationSeconds}` });
    assert.equal(await readFile(join(root, 'token'), 'utf8'), 'token-for-3607');
    await tearDownPodVolumes(podDir);
  });

  test('fsGroup: emptyDir is setgid to the group; API-backed files are group-readable and owned by it', async () => {
    freshPodDir();
    const p = pod([{ name: 'scratch', emptyDir: {} }, { name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } }]);
    p.spec!.securityContext = { fsGroup: 2000 };
    const vols = await setUpPodVolumes(p, podDir, source());
    const scratch = await stat(vols.get('scratch')!.hostPath);
    assert.equal(scratch.gid, 2000);
    assert.equal((scratch.mode & 0o7777).toString(8), '2777');
    const password = await stat(join(vols.get('s')!.hostPath, 'password'));
    assert.equal(password.gid, 2000);
    assert.equal((password.mode & 0o777).toString(8), '440');
    await tearDownPodVolumes(podDir);
  });

  test('refresh swaps in new ConfigMap data at once and drops removed keys', async () => {
    freshPodDir();
    const src = source();
    const p = pod([{ name: 'c', configMap: { name: 'cfg' } }]);
    const root = (await setUpPodVolumes(p, podDir, src)).get('c')!.hostPath;
    const before = await readlink(join(root, '..data'));
    assert.deepEqual(await refreshPodVolumes(p, podDir, src), [], 'nothing changed');
    src.configMaps['ns/cfg'] = { metadata: { name: 'cfg' }, data: { 'app.conf': 'port=8080\n' } };
    assert.deepEqual(await refreshPodVolumes(p, podDir, src), ['c']);
    assert.equal(await readFile(join(root, 'app.conf'), 'utf8'), 'port=8080\n');
    assert.notEqual(await readlink(join(root, '..data')), before);
    await assert.rejects(lstat(join(root, 'other')), 'a removed key disappears');
    await assert.rejects(lstat(join(root, before)), 'the old version is removed');
    delete src.configMaps['ns/cfg'];
    assert.deepEqual(await refreshPodVolumes(p, podDir, src), [], 'a deleted ConfigMap keeps the last files');
    assert.equal(await readFile(join(root, 'app.conf'), 'utf8'), 'port=8080\n');
  });
});

describe('hostPath volumes', () => {
  let dir: string;
  let server: net.Server;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-hostpath-'));
    await mkdir(join(dir, 'adir'));
    await writeFile(join(dir, 'afile'), 'x');
    server = net.createServer();
    await new Promise<void>((r) => server.listen(join(dir, 'sock'), r));
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string, string | undefined]> = [
    ['', 'nothing/here', undefined],
    ['Directory', 'adir', undefined],
    ['Directory', 'afile', 'is not a directory'],
    ['Directory', 'missing', 'is not a directory'],
    ['DirectoryOrCreate', 'made/deep', undefined],
    ['DirectoryOrCreate', 'afile', 'is not a directory'],
    ['File', 'afile', undefined],
    ['File', 'adir', 'is not a file'],
    ['FileOrCreate', 'newfile', undefined],
    ['FileOrCreate', 'adir', 'is not a file'],
    ['Socket', 'sock', undefined],
    ['Socket', 'afile', 'is not a socket file'],
    ['CharDevice', '/dev/null', undefined],
    ['CharDevice', 'afile', 'is not a character device'],
    ['BlockDevice', '/dev/null', 'is not a block device'],
  ];
  for (const [type, rel, problem] of cases) {
    test(`${type || '""'} on ${rel}: ${problem ?? 'ok'}`, async () => {
      const path = rel.startsWith('/') ? rel : join(dir, rel);
      const setUp = setUpPodVolumes(pod([{ name: 'h', hostPath: { path, type } }]), join(dir, 'pod'), fakeObjectSource());
      if (problem) {
        await assert.rejects(setUp, { message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${path} ${problem}` });
      } else {
        assert.equal((await setUp).get('h')!.hostPath, path);
        if (type.endsWith('OrCreate')) await stat(path);
      }
    });
  }
});
