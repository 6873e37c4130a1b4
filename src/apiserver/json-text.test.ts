import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memberRange, nestedString, withResourceVersion } from './json-text.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    labels: { nodeName: 'decoy', 'a"b': 'c\\"metadata\\":{' },
    annotations: { note: '{"spec":{"nodeName":"inner"}}' },
    managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:nodeName': {} } } }],
  },
  spec: { nodeSelector: { nodeName: 'selector' }, containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }], priority: -3, enableServiceLinks: true, nodeName: 'node-7' },
  status: { phase: 'Pending', conditions: [], hostIP: null },
};

test('withResourceVersion puts the revision in the top-level metadata and nowhere else', () => {
  for (const obj of [pod, { spec: { template: { metadata: { name: 't' } } }, metadata: { name: 'd' } }, { metadata: {} }]) {
    const text = withResourceVersion(JSON.stringify(obj), '42');
    const parsed = JSON.parse(JSON.stringify(obj));
    parsed.metadata.resourceVersion = '42';
    assert.equal(text, JSON.stringify(parsed), 'the text parsing and serializing would give');
  }
  assert.equal(withResourceVersion(JSON.stringify({ kind: 'X' }), '1'), undefined);
  assert.equal(withResourceVersion(JSON.stringify({ metadata: 'odd' }), '1'), undefined);
  assert.equal(withResourceVersion('{"metadata":{"name":', '1'), undefined);
});

test('nestedString reads spec.nodeName past look-alikes in labels, annotations and selectors', () => {
  const text = JSON.stringify(pod);
  assert.equal(nestedString(text, 'spec', 'nodeName'), 'node-7');
  assert.equal(nestedString(JSON.stringify({ ...pod, spec: { ...pod.spec, nodeName: undefined } }), 'spec', 'nodeName'), '');
  assert.equal(nestedString(JSON.stringify({ metadata: {} }), 'spec', 'nodeName'), '');
  assert.equal(nestedString(JSON.stringify({ spec: { nodeName: 'a\\b"c' } }), 'spec', 'nodeName'), 'a\\b"c');
  assert.equal(nestedString('{"spec":{"nodeName":"x"', 'spec', 'nodeName'), undefined);
  assert.equal(nestedString('[1,2]', 'spec', 'nodeName'), undefined);
});

test('memberRange finds members of nested objects by position', () => {
  const text = JSON.stringify(pod);
  const spec = memberRange(text, 'spec')!;
  assert.deepEqual(JSON.parse(text.slice(...spec)), pod.spec);
  const priority = memberRange(text, 'priority', spec[0])!;
  assert.equal(text.slice(...priority), '-3');
  assert.equal(memberRange(text, 'missing'), null);
  assert.equal(memberRange('{}', 'spec'), null);
  assert.equal(memberRange('"spec"', 'spec'), undefined);
});
