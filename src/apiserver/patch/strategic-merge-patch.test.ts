import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';
import { StatusError } from '../errors.ts';
import type { FieldSchema, FieldType, TypeSchema } from '../../api/schema/types.ts';

// A hand-built slice of the apps/v1 and core/v1 schemas: just the fields and merge metadata
// these tests exercise, with the strategies upstream declares for them.
const str: FieldType = { kind: 'string' };
const ref = (name: string): FieldType => ({ kind: 'ref', ref: name });
const list = (items: FieldType, patchStrategy?: string, patchMergeKey?: string): FieldSchema => ({
  type: { kind: 'array', items },
  patchStrategy,
  patchMergeKey,
});
const field = (type: FieldType, patchStrategy?: string): FieldSchema => ({ type, patchStrategy });

const types: Record<string, TypeSchema> = {};
function define(name: string, fields: Record<string, FieldSchema>): TypeSchema {
  types[name] = { name, fields };
  return types[name];
}
define('ObjectMeta', {
  name: field(str),
  labels: field({ kind: 'map', values: str }),
  annotations: field({ kind: 'map', values: str }),
  finalizers: list(str, 'merge'),
});
const Deployment = define('Deployment', { apiVersion: field(str), kind: field(str), metadata: field(ref('ObjectMeta')), spec: field(ref('DeploymentSpec')) });
define('DeploymentSpec', {
  replicas: field({ kind: 'integer' }),
  strategy: field(ref('DeploymentStrategy'), 'retainKeys'),
  template: field(ref('PodTemplateSpec')),
});
define('DeploymentStrategy', { type: field(str), rollingUpdate: field(ref('RollingUpdateDeployment')) });
define('RollingUpdateDeployment', { maxSurge: field({ kind: 'int-or-string' }), maxUnavailable: field({ kind: 'int-or-string' }) });
define('PodTemplateSpec', { metadata: field(ref('ObjectMeta')), spec: field(ref('PodSpec')) });
define('PodSpec', {
  containers: list(ref('Container'), 'merge', 'name'),
  volumes: list(ref('Volume'), 'merge,retainKeys', 'name'),
  tolerations: list(ref('Toleration')),
});
define('Container', {
  name: field(str),
  image: field(str),
  imagePullPolicy: field(str),
  args: list(str),
  env: list(ref('EnvVar'), 'merge', 'name'),
  ports: list(ref('ContainerPort'), 'merge', 'containerPort'),
});
define('EnvVar', { name: field(str), value: field(str) });
define('ContainerPort', { containerPort: field({ kind: 'integer' }), protocol: field(str), name: field(str) });
define('Toleration', { key: field(str), operator: field(str) });
define('Volume', { name: field(str), emptyDir: field(ref('EmptyDirVolumeSource')), configMap: field(ref('ConfigMapVolumeSource')) });
define('EmptyDirVolumeSource', { medium: field(str) });
define('ConfigMapVolumeSource', { name: field(str) });
const Service = define('Service', { metadata: field(ref('ObjectMeta')), spec: field(ref('ServiceSpec')) });
define('ServiceSpec', { type: field(str), selector: field({ kind: 'map', values: str }), ports: list(ref('ServicePort'), 'merge', 'port') });
define('ServicePort', { name: field(str), port: field({ kind: 'integer' }), targetPort: field({ kind: 'int-or-string' }), nodePort: field({ kind: 'integer' }) });

const lookup = (name: string) => types[name];

/** A Deployment as the server stores it: defaults filled in that no manifest mentions. */
function deployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/a', 'example.com/b'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
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
              ports: [
                { containerPort: 80, protocol: 'TCP' },
                { containerPort: 443, protocol: 'TCP' },
              ],
            },
            { name: 'sidecar', image: 'busybox', imagePullPolicy: 'Always', args: ['sleep', '3600'] },
          ],
          volumes: [{ name: 'cache', emptyDir: {} }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
  };
}
type D = ReturnType<typeof deployment>;

function patchDeployment(patch: unknown): D {
  return applyStrategicMergePatch(deployment(), patch, Deployment, lookup) as D;
}
const podSpec = (spec: unknown) => ({ spec: { template: { spec } } });
const names = (items: { name: string }[]) => items.map((x) => x.name);

function rejection(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${err}`);
    return err;
  }
  assert.fail('expected the patch to be rejected');
}

describe('applyStrategicMergePatch: lists merged by key', () => {
  test('changing one container image keeps the other containers and fields', () => {
    const out = patchDeployment(podSpec({ containers: [{ name: 'nginx', image: 'nginx:1.26' }] }));
    const expected = deployment();
    expected.spec.template.spec.containers[0].image = 'nginx:1.26';
    assert.deepEqual(out, expected);
  });

  test('a new container is added, ahead of the existing ones as upstream places it', () => {
    const out = patchDeployment(podSpec({ containers: [{ name: 'log', image: 'fluentbit' }] }));
    assert.deepEqual(names(out.spec.template.spec.containers), ['log', 'nginx', 'sidecar']);
  });

  test('$patch: delete removes the item with that key', () => {
    const out = patchDeployment(podSpec({ containers: [{ name: 'sidecar', $patch: 'delete' }] }));
    assert.deepEqual(names(out.spec.template.spec.containers), ['nginx']);
  });

  test('a {$patch: replace} item makes the list replace the old one', () => {
    const out = patchDeployment(podSpec({ containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] }));
    assert.deepEqual(out.spec.template.spec.containers, [{ name: 'only', image: 'x' }]);
  });

  test('env merges by name', () => {
    const out = patchDeployment(
      podSpec({ containers: [{ name: 'nginx', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }, { name: 'A', $patch: 'delete' }] }] }),
    );
    assert.deepEqual(out.spec.template.spec.containers[0].env, [
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
  });

  test('container ports merge by containerPort', () => {
    const out = patchDeployment(podSpec({ containers: [{ name: 'nginx', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 8080 }] }] }));
    assert.deepEqual(out.spec.template.spec.containers[0].ports, [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 443, protocol: 'TCP', name: 'https' },
      { containerPort: 8080 },
    ]);
  });

  test("a Service's ports merge by port", () => {
    const svc = {
      metadata: { name: 'web' },
      spec: {
        type: 'NodePort',
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, nodePort: 30080 },
          { name: 'https', port: 443, targetPort: 8443, nodePort: 30443 },
        ],
      },
    };
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, Service, lookup) as typeof svc;
    assert.deepEqual(out.spec.ports, [
      { name: 'http', port: 80, targetPort: 9090, nodePort: 30080 },
      { name: 'https', port: 443, targetPort: 8443, nodePort: 30443 },
    ]);
  });

  test('lists without a strategy are replaced', () => {
    const out = patchDeployment(podSpec({ tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'sidecar', args: ['sleep', '1'] }] }));
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
    assert.deepEqual(out.spec.template.spec.containers[1].args, ['sleep', '1']);
  });

  test('an empty list in the patch leaves a merged list as it was', () => {
    const out = patchDeployment(podSpec({ containers: [] }));
    assert.deepEqual(out, deployment());
  });
});

describe('applyStrategicMergePatch: primitive lists merged as sets', () => {
  test('finalizers: new values are added once', () => {
    const out = patchDeployment({ metadata: { finalizers: ['example.com/b', 'example.com/c'] } });
    assert.deepEqual(out.metadata.finalizers, ['example.com/a', 'example.com/b', 'example.com/c']);
  });

  test('$deleteFromPrimitiveList removes values', () => {
    const out = patchDeployment({ metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } });
    assert.deepEqual(out.metadata.finalizers, ['example.com/b']);
  });

  test('kubectl apply dropping a finalizer: $setElementOrder with $deleteFromPrimitiveList', () => {
    const out = patchDeployment({ metadata: { '$setElementOrder/finalizers': ['example.com/b'], '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } });
    assert.deepEqual(out.metadata.finalizers, ['example.com/b']);
  });

  test('$setElementOrder orders a primitive list', () => {
    const out = patchDeployment({ metadata: { '$setElementOrder/finalizers': ['example.com/c', 'example.com/b', 'example.com/a'], finalizers: ['example.com/c'] } });
    assert.deepEqual(out.metadata.finalizers, ['example.com/c', 'example.com/b', 'example.com/a']);
  });
});

describe('applyStrategicMergePatch: $setElementOrder on lists of objects', () => {
  test('reorders containers', () => {
    const out = patchDeployment(podSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] }));
    assert.deepEqual(names(out.spec.template.spec.containers), ['sidecar', 'nginx']);
    assert.equal(out.spec.template.spec.containers[1].image, 'nginx:1.25');
  });

  test('an item only the server has stays after the ordered items it followed', () => {
    const live = deployment();
    live.spec.template.spec.containers.splice(1, 0, { name: 'injected', image: 'proxy', imagePullPolicy: 'Always', args: [] });
    const out = applyStrategicMergePatch(
      live,
      podSpec({ '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'new' }, { name: 'sidecar' }], containers: [{ name: 'new', image: 'n' }] }),
      Deployment,
      lookup,
    ) as D;
    assert.deepEqual(names(out.spec.template.spec.containers), ['nginx', 'new', 'injected', 'sidecar']);
  });

  test('an order that does not cover the patched items is rejected', () => {
    const err = rejection(() => patchDeployment(podSpec({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'sidecar', image: 'x' }] })));
    assert.equal(err.code, 400);
    assert.match(err.message, /doesn't match \$setElementOrder list/);
  });
});

describe('applyStrategicMergePatch: maps and $retainKeys', () => {
  test('$retainKeys on a Deployment strategy clears rollingUpdate', () => {
    const out = patchDeployment({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  test('a volume switches source with merge,retainKeys', () => {
    const out = patchDeployment(podSpec({ volumes: [{ name: 'cache', $retainKeys: ['configMap', 'name'], configMap: { name: 'settings' } }] }));
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'cache', configMap: { name: 'settings' } }]);
  });

  test('a patch field not named in $retainKeys is rejected', () => {
    const err = rejection(() => patchDeployment({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'invalid patch format of retainKeys');
  });

  test('$patch: replace replaces a map and $patch: delete empties it', () => {
    const out = patchDeployment({ metadata: { labels: { tier: 'web', $patch: 'replace' } }, spec: { strategy: { $patch: 'delete' } } });
    assert.deepEqual(out.metadata.labels, { tier: 'web' });
    assert.deepEqual(out.spec.strategy, {});
  });

  test('$patch: merge is the default, spelled out', () => {
    const out = patchDeployment({ metadata: { labels: { tier: 'web', $patch: 'merge' } } });
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'web' });
  });

  test('null deletes a field; nulls in new values are not stored', () => {
    const out = patchDeployment({ metadata: { labels: { app: null }, annotations: { a: 'x', b: null } }, spec: { strategy: { rollingUpdate: null } } });
    assert.deepEqual(out.metadata.labels, {});
    assert.deepEqual((out.metadata as Record<string, unknown>).annotations, { a: 'x' });
    assert.deepEqual(out.spec.strategy, { type: 'RollingUpdate' });
  });

  test('fields the schema does not know merge like a JSON merge patch', () => {
    const live = { ...deployment(), extra: { keep: 1, list: [1, 2] } };
    const out = applyStrategicMergePatch(live, { extra: { add: 2, list: [3] } }, Deployment, lookup) as typeof live;
    assert.deepEqual(out.extra, { keep: 1, list: [3], add: 2 });
  });
});

describe('applyStrategicMergePatch: what client-side kubectl apply sends', () => {
  // The live object has fields the server defaulted (imagePullPolicy) that no manifest names; the
  // three-way patch changes an image, swaps env B for C, and drops the sidecar.
  const applyPatch = () => ({
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}\n' } },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
              env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'B' }],
              image: 'nginx:1.26',
              name: 'nginx',
            },
            { $patch: 'delete', name: 'sidecar' },
          ],
        },
      },
    },
  });

  test('the result is what the manifest says, with server defaults kept', () => {
    const out = patchDeployment(applyPatch());
    assert.deepEqual(out.spec.template.spec.containers, [
      {
        name: 'nginx',
        image: 'nginx:1.26',
        imagePullPolicy: 'IfNotPresent',
        env: [
          { name: 'A', value: '1' },
          { name: 'C', value: '3' },
        ],
        ports: [
          { containerPort: 80, protocol: 'TCP' },
          { containerPort: 443, protocol: 'TCP' },
        ],
      },
    ]);
    assert.equal((out.metadata as Record<string, any>).annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"kind":"Deployment"}\n');
  });

  test('applying the same patch again changes nothing', () => {
    const once = patchDeployment(applyPatch());
    const twice = applyStrategicMergePatch(once, applyPatch(), Deployment, lookup);
    assert.deepEqual(twice, once);
  });

  test('neither the object nor the patch is changed', () => {
    const live = deployment();
    const patch = applyPatch();
    applyStrategicMergePatch(live, patch, Deployment, lookup);
    assert.deepEqual(live, deployment());
    assert.deepEqual(patch, applyPatch());
  });
});

describe('applyStrategicMergePatch: malformed patches', () => {
  const cases: [string, unknown, number, RegExp][] = [
    ['an unknown $patch value', { metadata: { labels: { $patch: 'frobnicate' } } }, 400, /unknown patch type: frobnicate in map: map\[\$patch:frobnicate\]/],
    ['an unknown $patch value in a list', podSpec({ containers: [{ name: 'nginx', $patch: 'frobnicate' }] }), 400, /unknown patch type/],
    ['a list item without its merge key', podSpec({ containers: [{ image: 'x' }] }), 400, /does not contain declared merge key: name/],
    ['$retainKeys that is not a list', { spec: { strategy: { $retainKeys: 'type' } } }, 400, /invalid patch format of retainKeys/],
    ['$setElementOrder that is not a list', podSpec({ '$setElementOrder/containers': 'nginx' }), 400, /invalid patch format of setElementOrder list/],
    ['$deleteFromPrimitiveList that is not a list', { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 400, /invalid patch format of primitive list/],
    ['a list mixing strings and lists', { metadata: { finalizers: [['a']] } }, 400, /list element types are not identical/],
    ['a body that is not an object', [{ op: 'add' }], 400, /cannot unmarshal array/],
  ];
  for (const [what, patch, code, message] of cases) {
    test(`${what} is ${code}`, () => {
      const err = rejection(() => patchDeployment(patch));
      assert.equal(err.code, code);
      assert.match(err.message, message);
    });
  }

  test('a list of lists is 422 with the reason in its cause', () => {
    const err = rejection(() => applyStrategicMergePatch({ metadata: {} }, { metadata: { finalizers: [['a']] } }, Deployment, lookup));
    assert.equal(err.code, 422);
    assert.equal(err.details?.causes?.[0]?.message, 'lists of lists are not supported');
  });
});
