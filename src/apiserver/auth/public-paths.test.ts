import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicPath } from './public-paths.ts';

test('the health checks are public, nothing else is', () => {
  for (const path of ['/healthz', '/livez', '/readyz']) assert.equal(isPublicPath(path), true, path);
  for (const path of ['/', '/version', '/version/', '/api', '/apis', '/healthz/etcd', '/livez/ping', '/api/v1/namespaces', '/openapi/v3', '/metrics']) {
    assert.equal(isPublicPath(path), false, path);
  }
});
