import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.ts';

function info(method: string, url: string) {
  const u = new URL(url, 'https://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

test('namespaced object with a subresource', () => {
  const i = info('PUT', '/api/v1/namespaces/ns1/pods/web/status');
  assert.equal(i.isResourceRequest, true);
  assert.deepEqual([i.group, i.version, i.namespace, i.resource, i.name, i.subresource, i.verb], ['', 'v1', 'ns1', 'pods', 'web', 'status', 'update']);
});

test('group resources, lists and collection deletes', () => {
  const list = info('GET', '/apis/apps/v1/namespaces/a/deployments');
  assert.deepEqual([list.group, list.namespace, list.resource, list.verb], ['apps', 'a', 'deployments', 'list']);
  assert.equal(info('GET', '/apis/apps/v1/deployments').verb, 'list');
  assert.equal(info('DELETE', '/api/v1/namespaces/a/pods').verb, 'deletecollection');
  assert.equal(info('DELETE', '/api/v1/namespaces/a/pods/x').verb, 'delete');
});

test('namespaces address themselves, with status and finalize', () => {
  const ns = info('GET', '/api/v1/namespaces/kube-system');
  assert.deepEqual([ns.resource, ns.name, ns.namespace, ns.verb], ['namespaces', 'kube-system', '', 'get']);
  const fin = info('PUT', '/api/v1/namespaces/x/finalize');
  assert.deepEqual([fin.resource, fin.name, fin.subresource], ['namespaces', 'x', 'finalize']);
});

test('watch by query and by the legacy /watch/ prefix', () => {
  assert.equal(info('GET', '/api/v1/pods?watch=true').verb, 'watch');
  assert.equal(info('GET', '/api/v1/pods?watch=1').verb, 'watch');
  const legacy = info('GET', '/api/v1/watch/namespaces/a/pods/p');
  assert.deepEqual([legacy.verb, legacy.namespace, legacy.resource, legacy.name], ['watch', 'a', 'pods', 'p']);
});

test('discovery and other paths are not resource requests', () => {
  for (const p of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/healthz', '/version', '/openapi/v3']) {
    assert.equal(info('GET', p).isResourceRequest, false, p);
  }
});

test('percent-encoded names are decoded', () => {
  assert.equal(info('GET', '/api/v1/namespaces/a/configmaps/x%3Ay').name, 'x:y');
});
