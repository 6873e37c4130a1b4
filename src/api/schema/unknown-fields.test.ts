import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { typeForKind } from './loader.ts';
import { findUnknownFields } from './unknown-fields.ts';

const deployment = typeForKind('apps', 'v1', 'Deployment')!;

function validDeployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', 'example.com/any-key': 'x' }, annotations: { a: 'b' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              resources: { limits: { cpu: '500m', memory: '128Mi' } },
            },
          ],
          volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
    },
  };
}

describe('findUnknownFields', () => {
  test('a well-formed Deployment has none', () => {
    assert.deepEqual(findUnknownFields(deployment, validDeployment()), []);
  });

  test('a typo in spec is named by its path', () => {
    const d = validDeployment();
    d.spec.replica = 3;
    assert.deepEqual(findUnknownFields(deployment, d), ['spec.replica']);
  });

  test('typos deep in lists carry the item index, in document order', () => {
    const d = validDeployment();
    d.metadata.labelz = {};
    d.spec.template.spec.containers.push({ name: 'side', imagee: 'busybox', ports: [{ containerPort: 1, hostPorts: 2 }] });
    d.spec.template.spec.volumes[0].emptyDir.medium2 = 'Memory';
    assert.deepEqual(findUnknownFields(deployment, d), [
      'metadata.labelz',
      'spec.template.spec.containers[1].imagee',
      'spec.template.spec.containers[1].ports[0].hostPorts',
      'spec.template.spec.volumes[0].emptyDir.medium2',
    ]);
  });

  test('maps take any key; free-form fields are not looked into', () => {
    const revision = typeForKind('apps', 'v1', 'ControllerRevision')!;
    assert.deepEqual(findUnknownFields(revision, { metadata: { name: 'r' }, revision: 1, data: { anything: { goes: true } } }), []);
    const cm = typeForKind('', 'v1', 'ConfigMap')!;
    assert.deepEqual(findUnknownFields(cm, { data: { 'a.b': 'c', constructor: 'x' }, binaryData: {} }), []);
  });

  test('names of Object.prototype are unknown fields like any other', () => {
    const cm = typeForKind('', 'v1', 'ConfigMap')!;
    assert.deepEqual(findUnknownFields(cm, JSON.parse('{"constructor":1,"metadata":{"__proto__":{}}}')), ['constructor', 'metadata.__proto__']);
  });

  test('apiVersion and kind are allowed at the top; values of the wrong type are left to decoding', () => {
    const ns = typeForKind('', 'v1', 'Namespace')!;
    assert.deepEqual(findUnknownFields(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: 'oops', spec: [1] }), []);
    assert.deepEqual(findUnknownFields(ns, null), []);
  });
});
