import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImagePullError } from './image-service.ts';
import { formatReference, parseReference } from './reference.ts';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  const valid: Array<[string, string, { domain: string; path: string }]> = [
    ['busybox', 'docker.io/library/busybox:latest', { domain: 'docker.io', path: 'library/busybox' }],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', { domain: 'docker.io', path: 'library/busybox' }],
    ['library/busybox', 'docker.io/library/busybox:latest', { domain: 'docker.io', path: 'library/busybox' }],
    ['bitnami/nginx:1.25', 'docker.io/bitnami/nginx:1.25', { domain: 'docker.io', path: 'bitnami/nginx' }],
    ['index.docker.io/busybox', 'docker.io/library/busybox:latest', { domain: 'docker.io', path: 'library/busybox' }],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', { domain: 'docker.io', path: 'library/busybox' }],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10', { domain: 'registry.k8s.io', path: 'pause' }],
    ['localhost/app', 'localhost/app:latest', { domain: 'localhost', path: 'app' }],
    ['localhost:5000/a/b/c:v1', 'localhost:5000/a/b/c:v1', { domain: 'localhost:5000', path: 'a/b/c' }],
    ['127.0.0.1:5000/busybox:1', '127.0.0.1:5000/busybox:1', { domain: '127.0.0.1:5000', path: 'busybox' }],
    ['[::1]:5000/busybox', '[::1]:5000/busybox:latest', { domain: '[::1]:5000', path: 'busybox' }],
    [`busybox@${digest}`, `docker.io/library/busybox@${digest}`, { domain: 'docker.io', path: 'library/busybox' }],
    [`busybox:1@${digest}`, `docker.io/library/busybox:1@${digest}`, { domain: 'docker.io', path: 'library/busybox' }],
    ['my_org/my-app__x.y:V1.0_rc-2', 'docker.io/my_org/my-app__x.y:V1.0_rc-2', { domain: 'docker.io', path: 'my_org/my-app__x.y' }],
  ];
  for (const [input, canonical, parts] of valid) {
    it(`normalises ${input}`, () => {
      const ref = parseReference(input);
      assert.equal(formatReference(ref), canonical);
      assert.equal(ref.domain, parts.domain);
      assert.equal(ref.path, parts.path);
      assert.equal(ref.name, `${parts.domain}/${parts.path}`);
    });
  }

  const invalid: Array<[string, string]> = [
    ['', 'invalid reference format'],
    ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
    ['docker.io/Library/busybox:1', 'invalid reference format: repository name (Library/busybox) must be lowercase'],
    ['busybox:', 'invalid reference format'],
    ['busybox:-1', 'invalid reference format'],
    ['foo bar', 'invalid reference format'],
    ['busybox::1', 'invalid reference format'],
    ['/busybox', 'invalid reference format'],
    ['busybox/', 'invalid reference format'],
    ['a--b/-c', 'invalid reference format'],
    [`busybox:${'t'.repeat(129)}`, 'invalid reference format'],
    ['busybox@sha256:abc', 'invalid reference format'],
    [`busybox@sha256:${'a'.repeat(40)}`, 'invalid checksum digest length'],
    [`busybox@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    ['a'.repeat(64), `invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
    [`example.com/${'a'.repeat(250)}`, 'invalid reference format: repository name must not be more than 255 characters'],
  ];
  for (const [input, detail] of invalid) {
    it(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) => {
          assert.ok(err instanceof ImagePullError);
          assert.equal(err.reason, 'InvalidImageName');
          assert.equal(err.message, `Failed to apply default image tag "${input}": couldn't parse image name "${input}": ${detail}`);
          return true;
        },
      );
    });
  }
});
