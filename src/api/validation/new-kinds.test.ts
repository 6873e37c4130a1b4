/**
 * RBAC, Ingress and HorizontalPodAutoscaler validation, with defaults applied first as the
 * server does: each case is a manifest and the messages a user would read.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind, findResource } from '../catalogue.ts';
import { applyDefaults } from '../defaults/index.ts';
import { formatFieldError } from '../field-error.ts';
import type { ResourceInfo } from '../resource.ts';
import { validateCreate, validateUpdate } from './index.ts';

function errors(r: ResourceInfo, obj: any): string[] {
  const copy = structuredClone(obj);
  applyDefaults(r, copy);
  return validateCreate(r, copy).map((e) => formatFieldError(e));
}

const role = findByKind('rbac.authorization.k8s.io', 'Role')!;
const clusterRole = findByKind('rbac.authorization.k8s.io', 'ClusterRole')!;
const binding = findByKind('rbac.authorization.k8s.io', 'RoleBinding')!;
const clusterBinding = findByKind('rbac.authorization.k8s.io', 'ClusterRoleBinding')!;
const ingress = findByKind('networking.k8s.io', 'Ingress')!;
const ingressClass = findByKind('networking.k8s.io', 'IngressClass')!;
const hpaV1 = findResource('autoscaling', 'v1', 'horizontalpodautoscalers')!;
const hpaV2 = findResource('autoscaling', 'v2', 'horizontalpodautoscalers')!;
const meta = { name: 'x', namespace: 'ns' };

describe('validation of the RBAC, networking and autoscaling kinds', () => {
  test('roles: verbs, and resources or (cluster-wide only) non-resource URLs', () => {
    assert.deepEqual(errors(role, { metadata: meta, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }), []);
    assert.deepEqual(errors(role, { metadata: meta, rules: [{ apiGroups: [''], resources: ['pods'] }] }), ['rules[0].verbs: Required value: verbs must contain at least one value']);
    assert.deepEqual(errors(role, { metadata: meta, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }), [
      'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs',
    ]);
    assert.deepEqual(errors(clusterRole, { metadata: { name: 'x' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }), []);
    assert.deepEqual(errors(clusterRole, { metadata: { name: 'x' }, rules: [{ verbs: ['get'] }] }), [
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
  });

  test('bindings: roleRef defaults to the RBAC group, subjects are checked by kind, roleRef cannot change', () => {
    const ok = { metadata: meta, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'bot' }] };
    assert.deepEqual(errors(binding, ok), []);
    assert.deepEqual(errors(clusterBinding, { ...ok, metadata: { name: 'x' } }), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[1].namespace: Required value',
    ]);
    assert.deepEqual(errors(binding, { metadata: meta, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'Robot', name: 'x' }] }), [
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]);
    const old = structuredClone(ok);
    applyDefaults(binding, old);
    const next = structuredClone(old);
    next.roleRef.name = 'other';
    assert.ok(validateUpdate(binding, next, old).some((e) => formatFieldError(e).startsWith('roleRef: Invalid value') && e.detail === 'cannot change roleRef'));
  });

  test('ingresses: a backend or rules, typed absolute paths, one way to name a port', () => {
    const backend = { service: { name: 'web', port: { number: 80 } } };
    assert.deepEqual(errors(ingress, { metadata: meta, spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } }), []);
    assert.deepEqual(errors(ingress, { metadata: meta, spec: {} }), ['spec: Invalid value: {}: either `defaultBackend` or `rules` must be specified']);
    assert.deepEqual(errors(ingress, { metadata: meta, spec: { rules: [{ http: { paths: [{ path: 'x', backend }] } }] } }), [
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    ]);
    assert.deepEqual(errors(ingress, { metadata: meta, spec: { rules: [{ http: { paths: [{ path: 'x', pathType: 'Exact', backend: { service: { name: 'web', port: {} } } }] } }] } }), [
      'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[0].backend.service.port: Invalid value: {}: port name or number is required',
    ]);
    assert.deepEqual(errors(ingressClass, { metadata: { name: 'c' }, spec: {} }), ['spec.controller: Required value']);
  });

  test('autoscalers: bounds, a target, and v2 defaults to 80% CPU', () => {
    const ref = { kind: 'Deployment', name: 'web' };
    assert.deepEqual(errors(hpaV1, { apiVersion: 'autoscaling/v1', metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 3 } }), []);
    assert.deepEqual(errors(hpaV1, { apiVersion: 'autoscaling/v1', metadata: meta, spec: { scaleTargetRef: {}, minReplicas: 4, maxReplicas: 3 } }), [
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
      'spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`',
    ]);
    const v2 = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 3 } };
    applyDefaults(hpaV2, v2);
    assert.deepEqual(v2.spec, {
      scaleTargetRef: ref,
      maxReplicas: 3,
      minReplicas: 1,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
  });
});
