/**
 * Values of the wrong JSON type are refused as upstream's decoding refuses them, with kubectl
 * printing upstream's text; well-typed manifests of the same shape still go through.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startCluster, type Cluster } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

function replicaSet(values: unknown[]): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs' },
    spec: {
      replicas: 0,
      selector: { matchExpressions: [{ key: 'app', operator: 'In', values }] },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 0.5 } } }] },
      },
    },
  });
}

describe('wrongly-typed fields', () => {
  test('kubectl create of a ReplicaSet with a bool in a list of strings is a BadRequest, and nothing is stored', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: replicaSet([true]) });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'Error from server (BadRequest): error when creating "STDIN": ReplicaSet in version "v1" cannot be handled as a ReplicaSet: ' +
        'json: cannot unmarshal bool into Go struct field LabelSelectorRequirement.spec.selector.matchExpressions.values of type string\n',
    );
    const get = await kubectl(['get', 'rs', 'rs', '-n', ns]);
    assert.equal(get.code, 1);
  });

  test('the well-typed ReplicaSet is created, and a patch giving it a wrong type is refused', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: replicaSet(['web']) });
    assert.equal(created.code, 0, created.stderr);
    const patched = await kubectl(['patch', 'rs', 'rs', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":"3"}}']);
    assert.equal(patched.code, 1);
    assert.equal(
      patched.stderr,
      'Error from server (BadRequest): ReplicaSet in version "v1" cannot be handled as a ReplicaSet: ' +
        'json: cannot unmarshal string into Go struct field ReplicaSetSpec.spec.replicas of type int32\n',
    );
    const replicas = await kubectl(['get', 'rs', 'rs', '-n', ns, '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(replicas.stdout, '0');
  });

  test('a YAML body is checked too, whatever fieldValidation says', async (t) => {
    const { ns } = await cluster.scope(t);
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    n: 1\n';
    const res = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps?fieldValidation=Ignore`, {
      body,
      headers: { 'Content-Type': 'application/yaml' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.reason, 'BadRequest');
    assert.equal(
      res.json.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    );
  });
});
