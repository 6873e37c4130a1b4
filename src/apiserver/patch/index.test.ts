import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, supportedPatchTypes, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH } from './index.ts';
import { StatusError } from '../errors.ts';
import type { TypeSchema } from '../../api/schema/types.ts';

const ConfigMap: TypeSchema = {
  name: 'ConfigMap',
  fields: { metadata: { type: { kind: 'ref', ref: 'ObjectMeta' } }, data: { type: { kind: 'map', values: { kind: 'string' } } } },
};
const ObjectMeta: TypeSchema = {
  name: 'ObjectMeta',
  fields: { finalizers: { type: { kind: 'array', items: { kind: 'string' } }, patchStrategy: 'merge' } },
};
const lookup = (name: string) => (name === 'ObjectMeta' ? ObjectMeta : undefined);
const configMap = () => ({ metadata: { name: 'cm', finalizers: ['a'] }, data: { k: 'v' } });

function rejection(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${err}`);
    return err;
  }
  assert.fail('expected the patch to be rejected');
}

describe('applyPatch', () => {
  test('dispatches on the content type, ignoring its parameters', () => {
    assert.deepEqual(applyPatch(`${JSON_PATCH}; charset=utf-8`, configMap(), [{ op: 'add', path: '/data/x', value: 'y' }], ConfigMap, lookup), {
      ...configMap(),
      data: { k: 'v', x: 'y' },
    });
    assert.deepEqual(applyPatch(MERGE_PATCH, configMap(), { metadata: { finalizers: ['b'] } }, ConfigMap, lookup), {
      ...configMap(),
      metadata: { name: 'cm', finalizers: ['b'] },
    });
    // Strategic: finalizers are a set; a new value goes first, as upstream places it.
    assert.deepEqual(applyPatch(STRATEGIC_MERGE_PATCH, configMap(), { metadata: { finalizers: ['b'] } }, ConfigMap, lookup), {
      ...configMap(),
      metadata: { name: 'cm', finalizers: ['b', 'a'] },
    });
  });

  test('strategic merge patch on a kind without a schema is 415 naming the accepted types', () => {
    const err = rejection(() => applyPatch(STRATEGIC_MERGE_PATCH, configMap(), {}, undefined, lookup));
    assert.equal(err.code, 415);
    assert.equal(err.reason, 'UnsupportedMediaType');
    assert.equal(
      err.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    );
  });

  test('an unknown content type is 415', () => {
    const err = rejection(() => applyPatch('application/json', configMap(), {}, ConfigMap, lookup));
    assert.equal(err.code, 415);
    assert.match(err.message, /application\/strategic-merge-patch\+json/);
  });

  test('server-side apply of a subresource that has no apply (scale) is 415 and says so', () => {
    const err = rejection(() => applyPatch(APPLY_PATCH, configMap(), {}, ConfigMap, lookup));
    assert.equal(err.code, 415);
    assert.match(err.message, /server-side apply .* is not supported on this subresource/);
  });

  test('supportedPatchTypes offers strategic merge patch only with a schema', () => {
    assert.deepEqual(supportedPatchTypes(ConfigMap), [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH]);
    assert.deepEqual(supportedPatchTypes(undefined), [JSON_PATCH, MERGE_PATCH]);
  });
});

// The project's schema (src/api/schema), generated from the real API types with upstream's merge keys.
const schema = await import('../../api/schema/index.ts').catch(() => undefined);
const skip = schema ? false : 'src/api/schema/index.ts is not there yet';

describe('applyPatch with the real schema', () => {
  test('a kubectl apply patch on a Deployment merges containers, env and volumes by key', { skip }, () => {
    const Deployment = schema!.typeForKind('apps', 'v1', 'Deployment');
    assert.ok(Deployment, 'the schema has apps/v1 Deployment');
    const live = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', finalizers: ['example.com/a'] },
      spec: {
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        template: {
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.25',
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
                ports: [{ containerPort: 80, protocol: 'TCP' }],
              },
              { name: 'sidecar', image: 'busybox' },
            ],
            volumes: [{ name: 'cache', emptyDir: {} }],
          },
        },
      },
    };
    const patch = {
      metadata: { finalizers: ['example.com/b'] },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [
              { '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }], env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }], image: 'nginx:1.26', name: 'nginx' },
              { $patch: 'delete', name: 'sidecar' },
            ],
            volumes: [{ name: 'cache', $retainKeys: ['configMap', 'name'], configMap: { name: 'settings' } }],
          },
        },
      },
    };
    const out = applyPatch(STRATEGIC_MERGE_PATCH, live, patch, Deployment, schema!.typeByName) as typeof live;
    assert.deepEqual(out.metadata.finalizers, ['example.com/b', 'example.com/a']);
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
    assert.deepEqual(out.spec.template.spec.containers, [
      {
        name: 'nginx',
        image: 'nginx:1.26',
        imagePullPolicy: 'IfNotPresent',
        env: [
          { name: 'A', value: '1' },
          { name: 'C', value: '3' },
        ],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
      },
    ]);
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'cache', configMap: { name: 'settings' } }]);
  });

  test("a Service's ports merge by port", { skip }, () => {
    const Service = schema!.typeForKind('', 'v1', 'Service');
    assert.ok(Service, 'the schema has v1 Service');
    const live = { spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] } };
    const out = applyPatch(STRATEGIC_MERGE_PATCH, live, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, Service, schema!.typeByName);
    assert.deepEqual(out, { spec: { ports: [{ name: 'http', port: 80, targetPort: 9090 }, { name: 'https', port: 443 }] } });
  });
});
