import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './merge-patch.ts';
import { StatusError } from '../errors.ts';

function service() {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'https', port: 443, targetPort: 8443 },
      ],
    },
  };
}

describe('applyMergePatch', () => {
  test('objects merge recursively and scalars replace', () => {
    const out = applyMergePatch(service(), { metadata: { labels: { tier: 'backend', team: 'a' } }, spec: { type: 'NodePort' } });
    assert.deepEqual(out, {
      ...service(),
      metadata: { name: 'web', labels: { app: 'web', tier: 'backend', team: 'a' } },
      spec: { ...service().spec, type: 'NodePort' },
    });
  });

  test('null deletes a field', () => {
    const out = applyMergePatch(service(), { metadata: { labels: { tier: null } }, spec: { selector: null } }) as any;
    assert.deepEqual(out.metadata.labels, { app: 'web' });
    assert.equal('selector' in out.spec, false);
  });

  test('a list is replaced whole, never merged', () => {
    const out = applyMergePatch(service(), { spec: { ports: [{ name: 'http', port: 8080 }] } }) as any;
    assert.deepEqual(out.spec.ports, [{ name: 'http', port: 8080 }]);
  });

  test('nulls in a new subtree are not stored', () => {
    const out = applyMergePatch(service(), { metadata: { annotations: { a: '1', b: null } }, spec: { ports: [{ name: 'x', nodePort: null }] } }) as any;
    assert.deepEqual(out.metadata.annotations, { a: '1' });
    assert.deepEqual(out.spec.ports, [{ name: 'x' }]);
  });

  test('an object replaces a scalar and merges into nothing', () => {
    assert.deepEqual(applyMergePatch({ a: 'x' }, { a: { b: 1, c: null } }), { a: { b: 1 } });
  });

  test('leaves the original object untouched', () => {
    const original = service();
    applyMergePatch(original, { metadata: { labels: { app: null } }, spec: { ports: [] } });
    assert.deepEqual(original, service());
  });

  test('a patch that is not an object is 400 BadRequest', () => {
    for (const bad of [null, [], 'x', 3]) {
      assert.throws(
        () => applyMergePatch(service(), bad),
        (err: unknown) => err instanceof StatusError && err.code === 400 && err.message === 'Invalid JSON Patch',
      );
    }
  });
});

test('a "__proto__" key in a patch is an ordinary member, not the prototype', () => {
  const out = applyMergePatch({ data: {} }, JSON.parse('{"data":{"__proto__":{"polluted":true}}}')) as { data: Record<string, unknown> };
  assert.deepEqual(Object.keys(out.data), ['__proto__']);
  assert.equal(Object.getPrototypeOf(out.data), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
