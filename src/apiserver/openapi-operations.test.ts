import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { servedResource } from './openapi-resource.test-support.ts';
import { openApiV3Discovery, openApiV3Document } from './openapi.ts';
import { buildOpenApiV2 } from './openapi-v2/document.ts';
import { resourcePaths } from './openapi-operations.ts';

/** "METHOD path operationId query-parameters" for every operation of one resource. */
function operationsOf(r: ResourceInfo): string[] {
  return resourcePaths(r).flatMap((p) => p.operations.map((o) => `${o.method} ${p.path} ${o.operationId} ${o.parameters.map((q) => q.name).join(',')}`));
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Json = Record<string, any>;

/** The same line for every operation of an OpenAPI document, v2 or v3 (bodies left out; v2 omits an empty parameter list). */
function documentOperations(paths: Json): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push(`${method} ${path} ${op.operationId} ${(op.parameters ?? []).filter((q: Json) => q.in === 'query').map((q: Json) => q.name).join(',')}`);
    }
  }
  return out;
}

describe('resourcePaths', () => {
  test('a namespaced resource has collection, all-namespaces, item and object-carrying subresource paths, with upstream operationIds', () => {
    const pods = servedResource('Pod', 'pods', { subresources: ['binding', 'eviction', 'exec', 'log', 'status'] });
    assert.deepEqual(
      resourcePaths(pods).map((p) => [p.path, p.operations.map((o) => o.operationId)]),
      [
        ['/api/v1/namespaces/{namespace}/pods', ['listCoreV1NamespacedPod', 'createCoreV1NamespacedPod', 'deleteCoreV1CollectionNamespacedPod']],
        ['/api/v1/pods', ['listCoreV1PodForAllNamespaces']],
        ['/api/v1/namespaces/{namespace}/pods/{name}', ['readCoreV1NamespacedPod', 'replaceCoreV1NamespacedPod', 'patchCoreV1NamespacedPod', 'deleteCoreV1NamespacedPod']],
        ['/api/v1/namespaces/{namespace}/pods/{name}/binding', ['createCoreV1NamespacedPodBinding']],
        ['/api/v1/namespaces/{namespace}/pods/{name}/eviction', ['createCoreV1NamespacedPodEviction']],
        ['/api/v1/namespaces/{namespace}/pods/{name}/status', ['readCoreV1NamespacedPodStatus', 'replaceCoreV1NamespacedPodStatus', 'patchCoreV1NamespacedPodStatus']],
      ],
    );
    const item = resourcePaths(pods)[2];
    assert.deepEqual(item.parameters.map((p) => `${p.in}:${p.name}`), ['path:name', 'path:namespace', 'query:pretty']);
    assert.equal(item.tag, 'core_v1');
  });

  test('subresource bodies carry their own kind; a PATCH takes fieldValidation and force and the patch media types', () => {
    const deployments = servedResource('Deployment', 'deployments', { group: 'apps', subresources: ['scale', 'status'] });
    const scale = resourcePaths(deployments).find((p) => p.path === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale')!;
    const patch = scale.operations.find((o) => o.method === 'patch')!;
    assert.equal(patch.operationId, 'patchAppsV1NamespacedDeploymentScale');
    assert.deepEqual(patch.gvk, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    assert.equal(patch.responseType, 'io.k8s.api.autoscaling.v1.Scale');
    assert.deepEqual(patch.parameters.map((p) => p.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    assert.ok(patch.request?.mediaTypes?.includes('application/apply-patch+yaml'));
    const status = resourcePaths(deployments).find((p) => p.path.endsWith('/status'))!;
    assert.deepEqual(status.operations[0].gvk, { group: 'apps', version: 'v1', kind: 'Deployment' });
  });

  test('a verb the resource does not serve has no operation, and a path with none is left out', () => {
    const reviews = servedResource('TokenReview', 'tokenreviews', { group: 'authentication.k8s.io', namespaced: false, verbs: ['create'] });
    assert.deepEqual(operationsOf(reviews), ['post /apis/authentication.k8s.io/v1/tokenreviews createAuthenticationV1TokenReview dryRun,fieldManager,fieldValidation']);
    const namespaces = servedResource('Namespace', 'namespaces', { namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] });
    assert.ok(!operationsOf(namespaces).some((o) => o.includes('Collection')));
    assert.ok(!operationsOf(namespaces).some((o) => o.includes('ForAllNamespaces')), 'a cluster-scoped resource has no all-namespaces list');
  });

  test('a delete answers with a Status and may be sent without DeleteOptions; a collection delete does not watch', () => {
    const [collection] = resourcePaths(servedResource('ConfigMap', 'configmaps'));
    const deleteCollection = collection.operations.find((o) => o.action === 'deletecollection')!;
    assert.equal(deleteCollection.responseType, 'io.k8s.apimachinery.pkg.apis.meta.v1.Status');
    assert.deepEqual(deleteCollection.request, { type: 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions', required: false });
    assert.ok(!deleteCollection.parameters.some((p) => p.name === 'watch' || p.name === 'allowWatchBookmarks'));
    assert.ok(deleteCollection.parameters.some((p) => p.name === 'propagationPolicy'));
  });
});

describe('the v2 and v3 documents', () => {
  test('publish the same paths, operationIds and query parameters for every served resource', () => {
    const expected = catalogue.flatMap(operationsOf).sort();
    const v2 = documentOperations(buildOpenApiV2(catalogue).paths).sort();
    const gvs = Object.keys((openApiV3Discovery(catalogue) as { paths: Json }).paths);
    const v3 = gvs.flatMap((gv) => documentOperations((openApiV3Document(catalogue, gv) as Json).paths)).sort();
    assert.deepEqual(v2, expected);
    assert.deepEqual(v3, expected);
  });
});
