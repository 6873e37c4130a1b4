import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { buildContainerConfig, CreateContainerConfigError, DEFAULT_CAPABILITIES, expand, type ContainerConfigInputs } from './container-config.ts';
import type { Image, ImageRuntimeConfig } from './images/image-service.ts';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1001::/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\nstaff:x:50:\n';

function inputs(container: Partial<Container>, config: ImageRuntimeConfig = {}, pod: Partial<Pod['spec']> = {}): ContainerConfigInputs {
  const c = { name: 'app', image: 'busybox', ...container } as Container;
  const image: Image = { id: 'sha256:abc', repoTags: [], repoDigests: [], size: 1, config, layers: ['/l1', '/l2'] };
  return {
    pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [c], ...pod } },
    container: c,
    image,
    attempt: 2,
    env: [],
    mounts: [],
    logPath: '/logs/app/2.log',
    passwd: PASSWD,
    group: GROUP,
  };
}

describe('command line: command/args against ENTRYPOINT/CMD', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['--default'] };
  const cases: [string, Partial<Container>, ImageRuntimeConfig, string[]][] = [
    ['neither: the image decides', {}, image, ['/entry', '--default']],
    ['command replaces Entrypoint and drops Cmd', { command: ['/bin/sh'] }, image, ['/bin/sh']],
    ['command and args', { command: ['/bin/sh'], args: ['-c', 'true'] }, image, ['/bin/sh', '-c', 'true']],
    ['args alone replace Cmd', { args: ['--mine'] }, image, ['/entry', '--mine']],
    ['image with Cmd only', {}, { Cmd: ['sh'] }, ['sh']],
    ['$(VAR) expands from env, $$ escapes, unknown stays', { command: ['echo', '$(GREETING) $(NOPE) $$(GREETING) $(UNCLOSED'] }, { Env: ['GREETING=hi'] }, ['echo', 'hi $(NOPE) $(GREETING) $(UNCLOSED']],
  ];
  for (const [name, container, config, want] of cases) {
    test(name, () => assert.deepEqual(buildContainerConfig(inputs(container, config)).args, want));
  }

  test('no command at all is a config error', () => {
    assert.throws(() => buildContainerConfig(inputs({}, {})), CreateContainerConfigError);
  });
});

test('expand leaves a trailing $ and other $ uses alone', () => {
  assert.equal(expand('cost $5 $', new Map()), 'cost $5 $');
});

describe('env and working dir', () => {
  test('image env first, pod env overrides in place; PATH kept', () => {
    const i = inputs({ command: ['x'] }, { Env: ['PATH=/bin', 'A=image', 'B=b'] });
    i.env = ['A=pod', 'C=c'];
    assert.deepEqual(buildContainerConfig(i).env, ['PATH=/bin', 'A=pod', 'B=b', 'C=c']);
  });
  test('a default PATH when the image has none', () => {
    assert.match(buildContainerConfig(inputs({ command: ['x'] })).env[0], /^PATH=\/usr\/local\/sbin:/);
  });
  test('workingDir: container, else image, else /', () => {
    assert.equal(buildContainerConfig(inputs({ command: ['x'], workingDir: '/w' }, { WorkingDir: '/img' })).workingDir, '/w');
    assert.equal(buildContainerConfig(inputs({ command: ['x'] }, { WorkingDir: '/img' })).workingDir, '/img');
    assert.equal(buildContainerConfig(inputs({ command: ['x'] })).workingDir, '/');
  });
});

describe('user', () => {
  const cases: [string, Partial<Container>, string | undefined, Partial<Pod['spec']>, { uid: number; gid: number; additionalGids: number[] }][] = [
    ['root by default', {}, undefined, {}, { uid: 0, gid: 0, additionalGids: [] }],
    ['image USER uid:gid', {}, '10:20', {}, { uid: 10, gid: 20, additionalGids: [] }],
    ['image USER by name, gid from passwd', {}, 'app', {}, { uid: 1000, gid: 1001, additionalGids: [] }],
    ['image USER name:group', {}, 'app:staff', {}, { uid: 1000, gid: 50, additionalGids: [] }],
    ['runAsUser wins over the image', { securityContext: { runAsUser: 7 } }, 'app', {}, { uid: 7, gid: 0, additionalGids: [] }],
    ['pod runAsUser/runAsGroup, supplemental groups and fsGroup', {}, 'app', { securityContext: { runAsUser: 5, runAsGroup: 6, supplementalGroups: [100, 200], fsGroup: 300 } }, { uid: 5, gid: 6, additionalGids: [100, 200, 300] }],
  ];
  for (const [name, container, imageUser, podSpec, want] of cases) {
    test(name, () => assert.deepEqual(buildContainerConfig(inputs({ command: ['x'], ...container }, { User: imageUser }, podSpec)).user, want));
  }

  test('runAsNonRoot with a root image is refused as upstream words it', () => {
    assert.throws(
      () => buildContainerConfig(inputs({ command: ['x'], securityContext: { runAsNonRoot: true } })),
      (err: Error) => err instanceof CreateContainerConfigError && err.message === 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: app)',
    );
  });
  test('runAsNonRoot with a non-root user runs', () => {
    assert.equal(buildContainerConfig(inputs({ command: ['x'] }, { User: 'nobody' }, { securityContext: { runAsNonRoot: true } })).user.uid, 65534);
  });
  test('an unknown user name is a config error', () => {
    assert.throws(() => buildContainerConfig(inputs({ command: ['x'] }, { User: 'ghost' })), /unable to find user ghost/);
  });
});

describe('security', () => {
  test('capabilities: default set, add and drop', () => {
    const caps = buildContainerConfig(inputs({ command: ['x'], securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['KILL'] } } })).capabilities;
    assert.ok(caps.includes('CAP_NET_ADMIN'));
    assert.ok(!caps.includes('CAP_KILL'));
    assert.equal(caps.length, DEFAULT_CAPABILITIES.length);
  });
  test('drop ALL then add one', () => {
    assert.deepEqual(buildContainerConfig(inputs({ command: ['x'], securityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } } })).capabilities, ['CAP_NET_BIND_SERVICE']);
  });
  test('privileged gets every capability', () => {
    const config = buildContainerConfig(inputs({ command: ['x'], securityContext: { privileged: true } }));
    assert.ok(config.privileged);
    assert.ok(config.capabilities.includes('CAP_SYS_ADMIN'));
  });
  test('allowPrivilegeEscalation=false sets no_new_privs; readOnlyRootFilesystem passes through', () => {
    const config = buildContainerConfig(inputs({ command: ['x'], securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true } }));
    assert.equal(config.noNewPrivileges, true);
    assert.equal(config.readOnlyRootFilesystem, true);
  });
});

describe('resources', () => {
  const cases: [string, Container['resources'], object][] = [
    ['none: minimum shares', undefined, { cpuShares: 2 }],
    ['request 250m', { requests: { cpu: '250m' } }, { cpuShares: 256 }],
    ['limit 500m and 64Mi', { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } }, { cpuShares: 512, cpuPeriodMicros: 100_000, cpuQuotaMicros: 50_000, memoryLimitBytes: 64 * 1024 * 1024 }],
    ['limit only: shares from the limit', { limits: { cpu: '1' } }, { cpuShares: 1024, cpuPeriodMicros: 100_000, cpuQuotaMicros: 100_000 }],
  ];
  for (const [name, resources, want] of cases) {
    test(name, () => assert.deepEqual(buildContainerConfig(inputs({ command: ['x'], resources })).resources, want));
  }
});

test('identity: name, attempt, image and layers', () => {
  const config = buildContainerConfig(inputs({ command: ['x'] }));
  assert.equal(config.name, 'app');
  assert.equal(config.attempt, 2);
  assert.equal(config.image, 'busybox');
  assert.equal(config.imageId, 'sha256:abc');
  assert.deepEqual(config.rootfsLayers, ['/l1', '/l2']);
  assert.equal(config.logPath, '/logs/app/2.log');
});
