import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject, encodeObject } from '../registry/object-store.ts';
import { storedJsonWithVersion } from './stored-json.ts';

test('the spliced text parses to what decoding the stored object gives', () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd', labels: { metadata: '{"metadata":{' } }, spec: { containers: [] } },
    { kind: 'ConfigMap', data: { 'a"b': 'x\\"metadata":{' }, metadata: { name: 'tricky' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: {} },
    { spec: { template: { metadata: { labels: { app: 'nested-first' } } } }, metadata: { name: 'outer' } },
  ];
  for (const obj of objects) {
    const kv = { key: '/registry/x', value: encodeObject(obj), createRevision: 3, modRevision: 42 };
    const text = storedJsonWithVersion(kv);
    assert.ok(text, JSON.stringify(obj));
    assert.deepEqual(JSON.parse(text), decodeObject(kv));
    assert.equal(JSON.parse(text).metadata.resourceVersion, '42');
  }
});

test('text without a top-level metadata object is left to the parser', () => {
  assert.equal(storedJsonWithVersion({ key: 'k', value: '{"spec":{"metadata":{"name":"inner"}}}', createRevision: 1, modRevision: 1 }), undefined);
  assert.equal(storedJsonWithVersion({ key: 'k', value: '{"kind":"X"}', createRevision: 1, modRevision: 1 }), undefined);
});
