import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { CreateContainerConfigError } from './container-config.ts';
import { resolveEnv } from './container-env.ts';
import { b64, fakeObjectSource } from './volumes/fake-object-source.test-support.ts';

const source = fakeObjectSource({
  configMaps: {
    'ns/cm': { metadata: { name: 'cm' }, data: { HOST: 'db', PORT: '5432', '1bad': 'x', 'bad key': 'y' } },
  },
  secrets: { 'ns/sec': { metadata: { name: 'sec' }, data: { PASSWORD: b64('hunter2') } } },
});

function pod(container: Container): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
    spec: { nodeName: 'node-1', serviceAccountName: 'default', containers: [container] },
  };
}

const runtime = { nodeName: 'node-1', hostIP: '192.168.1.2', podIPs: ['10.42.0.7', 'fd00::7'] };

describe('resolveEnv', () => {
  const cases: Array<{ name: string; container: Omit<Container, 'name'>; want: string[] }> = [
    { name: 'literal values in order', container: { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }, want: ['A=1', 'B=2'] },
    {
      name: '$(VAR) expands from earlier variables only; $$ escapes; unknown stays',
      container: { env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-$(C)-$$(A)-$(' }, { name: 'C', value: 'late' }] },
      want: ['A=x', 'B=x-$(C)-$(A)-$(', 'C=late'],
    },
    {
      name: 'envFrom first (prefixed), then env overriding in place',
      container: { envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'DB_' }], env: [{ name: 'DB_PORT', value: '6000' }, { name: 'URL', value: '$(DB_HOST):$(DB_PORT)' }] },
      want: ['DB_1bad=x', 'DB_HOST=db', 'DB_PORT=6000', 'URL=db:6000'],
    },
    { name: 'secretRef decodes base64', container: { envFrom: [{ secretRef: { name: 'sec' } }] }, want: ['PASSWORD=hunter2'] },
    {
      name: 'key refs',
      container: {
        env: [
          { name: 'H', valueFrom: { configMapKeyRef: { name: 'cm', key: 'HOST' } } },
          { name: 'P', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASSWORD' } } },
        ],
      },
      want: ['H=db', 'P=hunter2'],
    },
    {
      name: 'optional refs to missing things leave the variable out',
      container: {
        envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'NOPE', optional: true } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
          { name: 'C', value: 'c' },
        ],
      },
      want: ['C=c'],
    },
    {
      name: 'fieldRef',
      container: {
        env: [
          'metadata.name',
          'metadata.namespace',
          'metadata.uid',
          "metadata.labels['app']",
          "metadata.annotations['note']",
          'spec.nodeName',
          'spec.serviceAccountName',
          'status.hostIP',
          'status.podIP',
          'status.podIPs',
        ].map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
      },
      want: ['F0=web', 'F1=ns', 'F2=u-1', 'F3=web', 'F4=hi', 'F5=node-1', 'F6=default', 'F7=192.168.1.2', 'F8=10.42.0.7', 'F9=10.42.0.7,fd00::7'],
    },
    {
      name: 'resourceFieldRef with divisors; no limit = node allocatable',
      container: {
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
        env: [
          { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
          { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'DISK_GI', valueFrom: { resourceFieldRef: { resource: 'limits.ephemeral-storage', divisor: '1Gi' } } },
        ],
      },
      want: ['CPU_M=500', 'CPU=1', 'REQ=250', 'MEM_MI=128', 'DISK_GI=10'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const container = { name: 'app', ...c.container };
      const env = await resolveEnv(pod(container), container, source, runtime);
      assert.deepEqual(env.map((e) => `${e.name}=${e.value}`), c.want);
    });
  }

  test('invalid envFrom keys are skipped and reported as upstream words it', async () => {
    const container = { name: 'app', envFrom: [{ configMapRef: { name: 'cm' } }] };
    const messages: string[] = [];
    const env = await resolveEnv(pod(container), container, source, { onInvalidKeys: (m) => messages.push(m) });
    assert.deepEqual(env.map((e) => e.name), ['HOST', 'PORT']);
    assert.deepEqual(messages, ['Keys [1bad, bad key] from the EnvFrom configMap ns/cm were skipped since they are considered invalid environment variable names.']);
  });

  const failures: Array<{ name: string; container: Omit<Container, 'name'>; message: string }> = [
    { name: 'missing configmap (envFrom)', container: { envFrom: [{ configMapRef: { name: 'x' } }] }, message: 'configmap "x" not found' },
    { name: 'missing configmap (key ref)', container: { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] }, message: 'configmap "x" not found' },
    { name: 'missing configmap key', container: { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }, message: "couldn't find key k in ConfigMap ns/cm" },
    { name: 'missing secret', container: { envFrom: [{ secretRef: { name: 's' } }] }, message: 'secret "s" not found' },
    { name: 'missing secret key', container: { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }] }, message: "couldn't find key k in Secret ns/sec" },
    { name: 'unknown field', container: { env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }] }, message: 'unsupported fieldPath: spec.nope' },
  ];
  for (const f of failures) {
    test(`fails with CreateContainerConfigError: ${f.name}`, async () => {
      const container = { name: 'app', ...f.container };
      await assert.rejects(resolveEnv(pod(container), container, source), (err: unknown) => {
        assert.ok(err instanceof CreateContainerConfigError);
        assert.equal(err.reason, 'CreateContainerConfigError');
        assert.equal(err.message, f.message);
        return true;
      });
    });
  }
});
