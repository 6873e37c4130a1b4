import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podRefersTo, type ReferencedResource } from './node-references.ts';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'd' },
  spec: {
    serviceAccountName: 'runner',
    imagePullSecrets: [{ name: 'pull' }],
    volumes: [
      { name: 'v1', secret: { secretName: 'vol-secret' } },
      { name: 'v2', configMap: { name: 'vol-cm' } },
      { name: 'v3', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'kube-root-ca.crt' } }] } },
      { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
    ],
    initContainers: [{ name: 'init', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }] }],
    containers: [
      {
        name: 'c',
        env: [{ name: 'Y', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }],
        envFrom: [{ secretRef: { name: 'envfrom-secret' } }, { configMapRef: { name: 'envfrom-cm' } }],
      },
    ],
  },
};

describe('podRefersTo', () => {
  const cases: [ReferencedResource, string, boolean][] = [
    ['secrets', 'pull', true],
    ['secrets', 'vol-secret', true],
    ['secrets', 'proj-secret', true],
    ['secrets', 'init-secret', true],
    ['secrets', 'envfrom-secret', true],
    ['secrets', 'vol-cm', false],
    ['secrets', 'other', false],
    ['configmaps', 'vol-cm', true],
    ['configmaps', 'kube-root-ca.crt', true],
    ['configmaps', 'env-cm', true],
    ['configmaps', 'envfrom-cm', true],
    ['configmaps', 'vol-secret', false],
    ['persistentvolumeclaims', 'data', true],
    ['persistentvolumeclaims', 'other', false],
    ['serviceaccounts', 'runner', true],
    ['serviceaccounts', 'default', false],
  ];
  for (const [resource, name, want] of cases) {
    it(`${resource}/${name} → ${want}`, () => assert.equal(podRefersTo(pod, resource, name), want));
  }
  it('takes the default service account when none is named', () => {
    assert.equal(podRefersTo({ spec: { containers: [] } }, 'serviceaccounts', 'default'), true);
  });
});
