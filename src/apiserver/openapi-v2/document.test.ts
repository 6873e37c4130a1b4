import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../../api/catalogue.ts';
import { typeForKind } from '../../api/schema/index.ts';
import { buildOpenApiV2 } from './document.ts';
import type { NonBodyParameter, Schema } from './types.ts';

const doc = buildOpenApiV2(catalogue);
const defs = doc.definitions;

/** Every schema nested in `s` (itself included). */
function* walk(s: Schema): Generator<Schema> {
  yield s;
  for (const p of Object.values(s.properties ?? {})) yield* walk(p);
  if (s.items) yield* walk(s.items);
  if (s.additionalProperties) yield* walk(s.additionalProperties);
}

describe('buildOpenApiV2', () => {
  test('is a Swagger 2.0 document with bearer-token security', () => {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.security, [{ BearerToken: [] }]);
    assert.equal(doc.securityDefinitions.BearerToken.type, 'apiKey');
  });

  test('every $ref names a definition (kubectl refuses the whole document otherwise)', () => {
    const dangling: string[] = [];
    for (const [name, def] of Object.entries(defs)) {
      for (const s of walk(def)) {
        if (s.$ref && !defs[s.$ref.replace('#/definitions/', '')]) dangling.push(`${name}: ${s.$ref}`);
        if (s.$ref) assert.match(s.$ref, /^#\/definitions\//);
      }
    }
    assert.deepEqual(dangling, []);
  });

  test('finds every served kind by its x-kubernetes-group-version-kind', () => {
    const byGvk = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      for (const g of (def['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]) {
        byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
      }
    }
    for (const r of catalogue) {
      if (!typeForKind(r.group, r.version, r.kind)) continue;
      assert.ok(byGvk.has(`${r.group}/${r.version}/${r.kind}`), `${r.kind} has a definition`);
      if (r.verbs.includes('list')) assert.ok(byGvk.has(`${r.group}/${r.version}/${r.listKind}`), `${r.listKind} has a definition`);
    }
    assert.equal(byGvk.get('apps/v1/Deployment'), 'io.k8s.api.apps.v1.Deployment');
    assert.equal(byGvk.get('apps/v1/DeleteOptions'), 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', 'DeleteOptions is listed under every group-version');
  });

  test('renders objects, lists, maps and required fields as upstream does', () => {
    const spec = defs['io.k8s.api.apps.v1.DeploymentSpec'];
    assert.equal(spec.type, 'object');
    assert.deepEqual(spec.properties!.replicas, { type: 'integer', format: 'int32', ...(spec.properties!.replicas.description && { description: spec.properties!.replicas.description }) });
    assert.equal(spec.properties!.template.$ref, '#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
    assert.deepEqual([...(spec.required ?? [])].sort(), ['selector', 'template']);

    const containers = defs['io.k8s.api.core.v1.PodSpec'].properties!.containers;
    assert.equal(containers.type, 'array');
    assert.equal(containers.items!.$ref, '#/definitions/io.k8s.api.core.v1.Container');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');

    const labels = defs['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties!.labels;
    assert.equal(labels.type, 'object');
    assert.equal(labels.additionalProperties!.type, 'string');
  });

  test('renders the wire’s special scalars as upstream’s v2 does', () => {
    assert.deepEqual(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], { type: 'string', format: 'int-or-string' });
    assert.deepEqual(defs['io.k8s.apimachinery.pkg.api.resource.Quantity'], { type: 'string' });
    assert.deepEqual(defs['io.k8s.apimachinery.pkg.apis.meta.v1.Time'], { type: 'string', format: 'date-time' });
    const limits = defs['io.k8s.api.core.v1.ResourceRequirements'].properties!.limits;
    assert.equal(limits.additionalProperties!.$ref, '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
    const port = defs['io.k8s.api.core.v1.ServicePort'].properties!.targetPort;
    assert.equal(port.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  });

  test('the PATCH of each kind carries its group-version-kind and an inline fieldValidation parameter', () => {
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch!;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.ok(patch.parameters!.some((p) => p.in === 'query' && p.name === 'fieldValidation'));
    assert.ok(patch.consumes!.includes('application/strategic-merge-patch+json'));
    const cm = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch!;
    assert.deepEqual(cm['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'ConfigMap' });
  });

  test('serves the collection, all-namespaces, item and subresource paths of each resource', () => {
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/v1/namespaces',
      '/api/v1/namespaces/{name}',
      '/api/v1/namespaces/{namespace}/pods',
      '/api/v1/pods',
      '/api/v1/namespaces/{namespace}/pods/{name}/status',
      '/api/v1/namespaces/{namespace}/pods/{name}/binding',
      '/api/v1/namespaces/{namespace}/pods/{name}/eviction',
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    ]) {
      assert.ok(paths.includes(p), p);
    }
    const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale.put!['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const pathParameters = scale.parameters!.filter((p): p is NonBodyParameter => p.in === 'path').map((p) => p.name);
    assert.deepEqual(pathParameters, ['name', 'namespace']);
    assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods'].post!.operationId, 'createCoreV1NamespacedPod');
  });
});
