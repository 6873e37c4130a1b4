import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicPath } from './public-paths.ts';

test('health and version are public, nothing else is', () => {
  for (const path of ['/healthz', '/livez', '/readyz', '/version', '/version/']) assert.equal(isPublicPath(path), true, path);
  for (const path of ['/', '/api', '/apis', '/healthz/etcd', '/livez/ping', '/api/v1/namespaces', '/openapi/v3', '/metrics']) {
    assert.equal(isPublicPath(path), false, path);
  }
});
