import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { ContainerWaitingError } from './container-waiting-error.ts';
import { ImagePuller, registryAuths } from './image-puller.ts';
import type { Image, ImageService, RegistryAuth } from './images/image-service.ts';

const IMAGE: Image = { id: 'sha256:i', repoTags: [], repoDigests: [], size: 42, config: {}, layers: [] };
const POD: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [], imagePullSecrets: [{ name: 'creds' }] } };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function puller(present: string[]) {
  const pulls: { ref: string; auth?: RegistryAuth[] }[] = [];
  const events: string[] = [];
  const images: ImageService = {
    get: async (ref) => (present.includes(ref) ? IMAGE : undefined),
    pull: async (ref, o) => {
      pulls.push({ ref, auth: o?.auth });
      return IMAGE;
    },
    list: async () => [],
    remove: async () => {},
    importTarball: async () => [],
    touch: async () => {},
  };
  const secret = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example:5000': { username: 'u', password: 'p' } } })) } };
  const p = new ImagePuller({ images, objects: { getSecret: async (_ns, name) => (name === 'creds' ? secret : undefined) }, recorder: { event: async (_o, _t, reason, message) => void events.push(`${reason}: ${message}`) }, clock: new FakeClock() });
  return { p, pulls, events };
}

describe('ImagePuller', () => {
  const cases: [string, Partial<Container>, string[], number][] = [
    ['IfNotPresent with the image: no pull', { image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }, ['busybox:1.36'], 0],
    ['IfNotPresent without it: pull', { image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }, [], 1],
    ['Always: pull even when present', { image: 'busybox:1.36', imagePullPolicy: 'Always' }, ['busybox:1.36'], 1],
    ['unset, :latest: Always', { image: 'busybox' }, ['busybox'], 1],
    ['unset, a tag: IfNotPresent', { image: 'busybox:1.36' }, ['busybox:1.36'], 0],
  ];
  for (const [name, container, present, pulls] of cases) {
    test(name, async () => {
      const t = puller(present);
      assert.equal(await t.p.ensure(POD, { name: 'c', ...container }), IMAGE);
      assert.equal(t.pulls.length, pulls);
    });
  }

  test('a pull uses the pod pull secrets and says how long it took', async () => {
    const t = puller([]);
    await t.p.ensure(POD, { name: 'c', image: 'registry.example:5000/app:1' });
    assert.deepEqual(t.pulls[0].auth, [{ registry: 'registry.example:5000', username: 'u', password: 'p' }]);
    assert.deepEqual(t.events, ['Pulling: Pulling image "registry.example:5000/app:1"', 'Pulled: Successfully pulled image "registry.example:5000/app:1" in 0s (0s including waiting). Image size: 42 bytes.']);
  });

  test('Never without the image: ErrImageNeverPull', async () => {
    const t = puller([]);
    await assert.rejects(t.p.ensure(POD, { name: 'c', image: 'x:1', imagePullPolicy: 'Never' }), (err: ContainerWaitingError) => err.reason === 'ErrImageNeverPull' && err.message === 'Container image "x:1" is not present with pull policy of Never');
  });
});

test('registryAuths reads dockerconfigjson and legacy dockercfg secrets', () => {
  assert.deepEqual(registryAuths({ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'https://index.docker.io/v1/': { auth: 'dTpw' } })) } }), [{ registry: 'index.docker.io', auth: 'dTpw' }]);
  assert.deepEqual(registryAuths({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('not json') } }), []);
});
