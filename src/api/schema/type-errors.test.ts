import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { typeByName, typeForKind } from './loader.ts';
import { findTypeErrors } from './type-errors.ts';

const replicaSet = typeForKind('apps', 'v1', 'ReplicaSet')!;
const deployment = typeForKind('apps', 'v1', 'Deployment')!;
const service = typeForKind('', 'v1', 'Service')!;
const pod = typeForKind('', 'v1', 'Pod')!;
const secret = typeForKind('', 'v1', 'Secret')!;

function validDeployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      labels: { app: 'web' },
      annotations: { a: 'b' },
      creationTimestamp: null,
      generation: 3,
      managedFields: [{ manager: 'kubectl', operation: 'Update', time: '2024-01-01T00:00:00Z', fieldsV1: { 'f:spec': {} } }],
    },
    spec: {
      replicas: 2,
      paused: false,
      progressDeadlineSeconds: null,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m', memory: 134217728 }, requests: { cpu: 0.5 } },
              livenessProbe: { httpGet: { path: '/', port: 'http' } },
            },
          ],
          volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
    },
    status: { observedGeneration: 9007199254740991, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-01T00:00:00Z' }] },
  };
}

function replicaSetWithValues(values: unknown[]): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rs' },
    spec: { selector: { matchExpressions: [{ key: 'a', operator: 'In', values }] }, template: {} },
  };
}

describe('findTypeErrors', () => {
  test('a valid manifest, nulls and unknown fields included, has no type error', () => {
    assert.equal(findTypeErrors(deployment, validDeployment(), typeByName), undefined);
    const withUnknown = validDeployment();
    withUnknown.spec.replicaz = 'x';
    assert.equal(findTypeErrors(deployment, withUnknown, typeByName), undefined);
  });

  test('a bool in a list of strings names the innermost struct and the path without indices', () => {
    assert.equal(
      findTypeErrors(replicaSet, replicaSetWithValues(['a', true]), typeByName),
      'json: cannot unmarshal bool into Go struct field LabelSelectorRequirement.spec.selector.matchExpressions.values of type string',
    );
  });

  test('a string where an int32 belongs', () => {
    const d = validDeployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = '80';
    assert.equal(
      findTypeErrors(deployment, d, typeByName),
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    );
  });

  test('integers must be whole and within their range', () => {
    const half = validDeployment();
    half.spec.replicas = 1.5;
    assert.equal(findTypeErrors(deployment, half, typeByName), 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
    const big = validDeployment();
    big.spec.replicas = 2 ** 31;
    assert.equal(findTypeErrors(deployment, big, typeByName), 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
    const int64 = validDeployment();
    int64.metadata.generation = 2 ** 31;
    assert.equal(findTypeErrors(deployment, int64, typeByName), undefined);
  });

  test('an object where a string belongs, and a bool where a top-level struct belongs', () => {
    const d = validDeployment();
    d.spec.template.spec.containers[0].image = { name: 'nginx' };
    assert.equal(
      findTypeErrors(deployment, d, typeByName),
      'json: cannot unmarshal object into Go struct field Container.spec.template.spec.containers.image of type string',
    );
    assert.equal(
      findTypeErrors(deployment, { spec: true }, typeByName),
      'json: cannot unmarshal bool into Go struct field Deployment.spec of type v1.DeploymentSpec',
    );
  });

  test('a number as a map[string]string value', () => {
    const d = validDeployment();
    d.metadata.labels.app = 1;
    assert.equal(findTypeErrors(deployment, d, typeByName), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
  });

  test('an array where an object belongs, and an object where an array belongs', () => {
    const d = validDeployment();
    d.spec.template.spec = [];
    assert.equal(
      findTypeErrors(deployment, d, typeByName),
      'json: cannot unmarshal array into Go struct field PodTemplateSpec.spec.template.spec of type v1.PodSpec',
    );
    const e = validDeployment();
    e.spec.template.spec.containers = { name: 'x' };
    assert.equal(
      findTypeErrors(deployment, e, typeByName),
      'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    );
    const f = validDeployment();
    f.metadata.labels = ['x'];
    assert.equal(findTypeErrors(deployment, f, typeByName), 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string');
  });

  test('a number where a bool belongs, and a string in a Secret\'s bytes', () => {
    const d = validDeployment();
    d.spec.paused = 0;
    assert.equal(findTypeErrors(deployment, d, typeByName), 'json: cannot unmarshal number into Go struct field DeploymentSpec.spec.paused of type bool');
    assert.equal(
      findTypeErrors(secret, { data: { k: 5 } }, typeByName),
      'json: cannot unmarshal number into Go struct field Secret.data of type []uint8',
    );
  });

  test('a quantity is a string or a number', () => {
    const d = validDeployment();
    d.spec.template.spec.containers[0].resources.limits.cpu = true;
    assert.equal(
      findTypeErrors(deployment, d, typeByName),
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    const m = validDeployment();
    m.spec.template.spec.containers[0].resources.limits = 'x';
    assert.equal(
      findTypeErrors(deployment, m, typeByName),
      'json: cannot unmarshal string into Go struct field ResourceRequirements.spec.template.spec.containers.resources.limits of type v1.ResourceList',
    );
  });

  test('an int-or-string is a string or a whole int32, refused as an int32', () => {
    const port = (targetPort: unknown) => ({ spec: { ports: [{ port: 80, targetPort }] } });
    assert.equal(findTypeErrors(service, port('http'), typeByName), undefined);
    assert.equal(findTypeErrors(service, port(8080), typeByName), undefined);
    assert.equal(
      findTypeErrors(service, port(true), typeByName),
      'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
    );
    assert.equal(
      findTypeErrors(service, port(80.5), typeByName),
      'json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.targetPort of type int32',
    );
  });

  test('a time is a string', () => {
    assert.equal(
      findTypeErrors(pod, { status: { startTime: 1700000000 } }, typeByName),
      'json: cannot unmarshal number into Go struct field PodStatus.status.startTime of type string',
    );
  });

  test('free-form fields take anything', () => {
    const d = validDeployment();
    d.metadata.managedFields[0].fieldsV1 = ['anything', 1, true];
    assert.equal(findTypeErrors(deployment, d, typeByName), undefined);
  });

  test('a custom decoder\'s error wins over an earlier plain mismatch, as in Go', () => {
    const d = validDeployment();
    d.spec.replicas = 'two';
    d.spec.strategy.rollingUpdate.maxSurge = [];
    assert.equal(
      findTypeErrors(deployment, d, typeByName),
      'json: cannot unmarshal array into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32',
    );
    const first = validDeployment();
    first.spec.replicas = 'two';
    first.spec.paused = 'no';
    assert.equal(findTypeErrors(deployment, first, typeByName), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  });
});
