import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { CreateContainerConfigError } from '../container-config.ts';
import type { Mount } from '../runtime/runtime.ts';
import { containerMounts } from './container-mounts.ts';
import type { PodVolume } from './pod-volumes.ts';

describe('containerMounts', () => {
  let dir: string;
  let volumes: Map<string, PodVolume>;
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-mounts-'));
    await mkdir(join(dir, 'data'));
    await chmod(join(dir, 'data'), 0o777);
    await mkdir(join(dir, 'config'));
    await symlink('/etc', join(dir, 'data', 'escape'));
    volumes = new Map([
      ['data', { hostPath: join(dir, 'data') }],
      ['config', { hostPath: join(dir, 'config'), readOnly: true }],
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const mounts = (c: Omit<Container, 'name'>, options = {}) => containerMounts(pod, { name: 'app', ...c }, volumes, options);

  test('mount paths, readOnly from the mount or the volume', async () => {
    assert.deepEqual(
      await mounts({ volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'data', mountPath: '/ro', readOnly: true }, { name: 'config', mountPath: '/etc/app' }] }),
      [
        { containerPath: '/data', hostPath: join(dir, 'data'), readOnly: false },
        { containerPath: '/ro', hostPath: join(dir, 'data'), readOnly: true },
        { containerPath: '/etc/app', hostPath: join(dir, 'config'), readOnly: true },
      ],
    );
  });

  test('subPath is created with the volume root mode; subPathExpr expands from env', async () => {
    const got = await mounts(
      { volumeMounts: [{ name: 'data', mountPath: '/a', subPath: 'one/two' }, { name: 'data', mountPath: '/b', subPathExpr: 'logs/$(POD_NAME)' }] },
      { env: [{ name: 'POD_NAME', value: 'web-0' }] },
    );
    assert.deepEqual(got.map((m) => m.hostPath), [join(dir, 'data/one/two'), join(dir, 'data/logs/web-0')]);
    assert.equal((await stat(join(dir, 'data/one/two'))).mode & 0o777, 0o777);
  });

  const refused: Array<[string, string, string]> = [
    ['..', '../config', "unable to provision SubPath `../config`: must not contain '..'"],
    ['absolute', '/etc', 'error SubPath `/etc` must not be an absolute path'],
    ['symlink out of the volume', 'escape', 'subpath "escape" of volume "data" resolves outside the volume'],
  ];
  for (const [name, subPath, message] of refused) {
    test(`refuses a subPath: ${name}`, async () => {
      await assert.rejects(mounts({ volumeMounts: [{ name: 'data', mountPath: '/x', subPath }] }), (err: unknown) => {
        assert.ok(err instanceof CreateContainerConfigError);
        assert.equal(err.message, message);
        return true;
      });
    });
  }

  test('a mount naming no volume is a config error', async () => {
    await assert.rejects(mounts({ volumeMounts: [{ name: 'nope', mountPath: '/x' }] }), { message: 'cannot find volume "nope" to mount into container "app"' });
  });

  test('pod files follow, unless a volumeMount covers the same path', async () => {
    const podFiles: Mount[] = [
      { containerPath: '/etc/hosts', hostPath: '/pod/etc-hosts', readOnly: false },
      { containerPath: '/etc/resolv.conf', hostPath: '/pod/resolv.conf', readOnly: false },
    ];
    const got = await mounts({ volumeMounts: [{ name: 'config', mountPath: '/etc/hosts', subPath: 'hosts' }] }, { podFiles });
    assert.deepEqual(got.map((m) => `${m.containerPath}=${m.hostPath}`), [`/etc/hosts=${join(dir, 'config/hosts')}`, '/etc/resolv.conf=/pod/resolv.conf']);
  });
});
