/**
 * OpenAPI v2 through the real kubectl: with the default `--validate=strict`, kubectl validates a
 * `kind: List` document itself against /openapi/v2 (fetched as gnostic protobuf), so a List
 * is created only when the server serves that document, and an unknown field in one of its items
 * is reported by kubectl before anything is sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startControlPlane, type ControlPlane } from '../../src/index.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { kubectlWith, makeTempDir, rawRequest, removeTempDir, type Kubectl } from './harness.ts';

let dir: string;
let plane: ControlPlane;
let kubectl: Kubectl;

before(async () => {
  dir = await makeTempDir('openapi-v2');
  // No controllers: a Deployment status write between the export and the apply would make the
  // exported resourceVersion stale (a 409 that has nothing to do with OpenAPI).
  plane = await startControlPlane({ dataDir: path.join(dir, 'data'), port: 0, bindAddress: '127.0.0.1', controllers: false });
  kubectl = kubectlWith(plane.kubeconfigPath, path.join(dir, 'cache'), dir);
});
after(async () => {
  await plane?.stop();
  await removeTempDir(dir);
});

function list(...items: object[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

function deployment(name: string, spec: Record<string, unknown> = { replicas: 2 }) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      ...spec,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 1, memory: '64Mi' } } }] },
      },
    },
  };
}

describe('kubectl with /openapi/v2', () => {
  test('create -f of a kind: List creates every item', async () => {
    const created = await kubectl(['create', '-n', 'default', '-f', '-'], { stdin: list(configMap('list-cm'), deployment('list-web')) });
    assert.equal(created.stderr, '');
    assert.equal(created.stdout, 'configmap/list-cm created\ndeployment.apps/list-web created\n');
    const replicas = await kubectl(['get', '-n', 'default', 'deployment', 'list-web', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(replicas.stdout, '2');
  });

  test('an unknown field in a List item fails kubectl’s own validation, and nothing is created', async () => {
    const created = await kubectl(['create', '-n', 'default', '-f', '-'], { stdin: list(configMap('bad-list-cm'), deployment('bad-list-web', { replica: 2 })) });
    assert.equal(created.code, 1);
    assert.match(created.stderr, /error validating data: ValidationError\(Deployment\.spec\): unknown field "replica" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
    const got = await kubectl(['get', '-n', 'default', 'configmap', 'bad-list-cm']);
    assert.match(got.stderr, /NotFound/);
  });

  test('a List printed by kubectl get -o yaml (status, managedFields, timestamps) applies back', async () => {
    await kubectl(['create', '-n', 'default', '-f', '-'], { stdin: list(configMap('export-cm'), deployment('export-web')) });
    const exported = await kubectl(['get', '-n', 'default', 'configmap/export-cm', 'deployment/export-web', '-o', 'yaml', '--show-managed-fields']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /^kind: List$/m);
    const applied = await kubectl(['apply', '-n', 'default', '-f', '-'], { stdin: exported.stdout });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^configmap\/export-cm configured$/m);
    assert.match(applied.stdout, /^deployment\.apps\/export-web configured$/m);
  });

  test('explain still reads OpenAPI v3', async () => {
    const explained = await kubectl(['explain', 'pods.spec.containers']);
    assert.equal(explained.code, 0, explained.stderr);
    assert.match(explained.stdout, /^FIELD: containers <\[\]Container>$/m);
  });

  test('the document is also served as JSON', async () => {
    const raw = await kubectl(['get', '--raw', '/openapi/v2']);
    assert.equal(raw.code, 0, raw.stderr);
    const doc = JSON.parse(raw.stdout);
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  });

  test('a media type it cannot serve gets 406 NotAcceptable', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    const res = await rawRequest(kc, 'GET', '/openapi/v2', { headers: { Accept: 'text/html' } });
    assert.equal(res.status, 406);
    assert.equal(res.json?.reason, 'NotAcceptable');
  });
});
