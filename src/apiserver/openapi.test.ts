import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '../api/resource.ts';
import { openApiV3Discovery, openApiV3Document, openApiV3DocumentBody } from './openapi.ts';
import { servedResource } from './openapi-resource.test-support.ts';

function resource(group: string, version: string, kind: string, plural: string, namespaced: boolean, subresources: string[] = []): ResourceInfo {
  return servedResource(kind, plural, { group, version, namespaced, subresources });
}

const resources: ResourceInfo[] = [
  resource('', 'v1', 'Pod', 'pods', true, ['status', 'binding', 'eviction', 'log', 'exec']),
  resource('', 'v1', 'Namespace', 'namespaces', false, ['status']),
  resource('apps', 'v1', 'Deployment', 'deployments', true, ['status', 'scale']),
  resource('example.com', 'v1', 'Widget', 'widgets', true),
];

type Json = Record<string, any>;
const doc = (gv: string) => openApiV3Document(resources, gv) as Json;

/** kubectl's check before leaving validation to the server (cli-runtime's supportsQueryParamV3). */
function kubectlSeesFieldValidation(d: Json, gvk: { group: string; version: string; kind: string }): boolean {
  const patches = Object.values(d.paths as Json)
    .map((p) => p.patch)
    .filter((op) => op && op['x-kubernetes-group-version-kind'] && JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify(gvk));
  return patches.length > 0 && patches.every((op) => op.parameters.some((p: Json) => p.name === 'fieldValidation'));
}

function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref') out.push(v as string);
      else refsOf(v, out);
    }
  }
  return out;
}

describe('openApiV3Discovery', () => {
  test('names one document per group-version, by the hash of its content', () => {
    const index = openApiV3Discovery(resources) as { paths: Record<string, { serverRelativeURL: string }> };
    assert.deepEqual(Object.keys(index.paths).sort(), ['api/v1', 'apis/apps/v1', 'apis/example.com/v1']);
    for (const [gv, { serverRelativeURL }] of Object.entries(index.paths)) {
      const { body } = openApiV3DocumentBody(resources, gv)!;
      const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
      assert.equal(serverRelativeURL, `/openapi/v3/${gv}?hash=${hash}`);
      assert.deepEqual(JSON.parse(body), openApiV3Document(resources, gv));
    }
  });

  test('documents are built once per resource list', () => {
    assert.equal(openApiV3Document(resources, 'api/v1'), openApiV3Document(resources, 'api/v1'));
    assert.equal(openApiV3Document(resources, 'apis/batch/v1'), undefined);
  });
});

describe('openApiV3Document', () => {
  test('is an OpenAPI 3.0 document whose every $ref resolves inside it', () => {
    for (const gv of ['api/v1', 'apis/apps/v1', 'apis/example.com/v1']) {
      const d = doc(gv);
      assert.equal(d.openapi, '3.0.0');
      for (const r of refsOf(d)) {
        assert.match(r, /^#\/components\/schemas\//);
        assert.ok(d.components.schemas[r.slice('#/components/schemas/'.length)], `${gv}: dangling ${r}`);
      }
    }
  });

  test('every PATCH operation names its kind and takes fieldValidation, as kubectl --validate=strict requires', () => {
    assert.ok(kubectlSeesFieldValidation(doc('api/v1'), { group: '', version: 'v1', kind: 'Pod' }));
    assert.ok(kubectlSeesFieldValidation(doc('api/v1'), { group: '', version: 'v1', kind: 'Namespace' }));
    assert.ok(kubectlSeesFieldValidation(doc('apis/apps/v1'), { group: 'apps', version: 'v1', kind: 'Deployment' }));
    assert.ok(kubectlSeesFieldValidation(doc('apis/apps/v1'), { group: 'autoscaling', version: 'v1', kind: 'Scale' }));
    assert.ok(kubectlSeesFieldValidation(doc('apis/example.com/v1'), { group: 'example.com', version: 'v1', kind: 'Widget' }));
    for (const [path, item] of Object.entries(doc('api/v1').paths as Json)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        const op = item[method];
        if (!op) continue;
        assert.ok(op['x-kubernetes-action'], `${method} ${path}`);
        assert.ok(op['x-kubernetes-group-version-kind'], `${method} ${path}`);
        if (method !== 'get' && method !== 'delete') assert.ok(op.parameters.some((p: Json) => p.name === 'fieldValidation'), `${method} ${path}`);
      }
    }
  });

  test('serves the paths upstream serves', () => {
    const paths = doc('api/v1').paths as Json;
    assert.deepEqual(Object.keys(paths['/api/v1/namespaces/{namespace}/pods']).sort(), ['delete', 'get', 'parameters', 'post']);
    assert.deepEqual(Object.keys(paths['/api/v1/namespaces/{namespace}/pods/{name}']).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.equal(paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(paths['/api/v1/namespaces/{name}'].patch.operationId, 'patchCoreV1Namespace');
    assert.deepEqual(paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Binding' });
    assert.deepEqual(paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'], { group: 'policy', version: 'v1', kind: 'Eviction' });
    assert.equal(paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch['x-kubernetes-action'], 'patch');
    const apps = doc('apis/apps/v1').paths as Json;
    assert.equal(apps['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put.operationId, 'replaceAppsV1NamespacedDeploymentScale');
  });

  test('kind schemas carry their group-version-kind and fields their merge facts, as kubectl apply and explain read them', () => {
    const schemas = doc('api/v1').components.schemas as Json;
    assert.deepEqual(schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
    // A reference is wrapped in allOf so that the field's own description counts, as upstream writes it.
    assert.deepEqual(schemas['io.k8s.api.core.v1.Pod'].properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
    assert.match(schemas['io.k8s.api.core.v1.Pod'].properties.spec.description, /desired state/);
    const { description: containersDoc, ...containers } = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.match(containersDoc, /containers of the Pod/);
    assert.deepEqual(containers, {
      type: 'array',
      items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    assert.ok(schemas['io.k8s.api.core.v1.PodSpec'].required.includes('containers'));
    const { description: _limitsDoc, ...limits } = schemas['io.k8s.api.core.v1.ResourceRequirements'].properties.limits;
    assert.deepEqual(limits, {
      type: 'object',
      additionalProperties: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' },
    });
    const { description: _labelsDoc, ...labels } = schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.labels;
    assert.deepEqual(labels, { type: 'object', additionalProperties: { type: 'string' } });
    const apps = doc('apis/apps/v1').components.schemas as Json;
    assert.equal(apps['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
    assert.ok(apps['io.k8s.api.core.v1.Container'], 'a group-version document holds the core types its kinds reach');
    assert.deepEqual(apps['io.k8s.api.autoscaling.v1.Scale']['x-kubernetes-group-version-kind'], [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }]);
    assert.deepEqual(apps['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'], [
      { group: '', version: 'v1', kind: 'DeleteOptions' },
      { group: 'apps', version: 'v1', kind: 'DeleteOptions' },
    ]);
  });

  test('a kind the schema does not know is served as a free-form object', () => {
    const d = doc('apis/example.com/v1');
    const post = d.paths['/apis/example.com/v1/namespaces/{namespace}/widgets'].post;
    assert.equal(post.requestBody.content['application/json'].schema.type, 'object');
  });
});
