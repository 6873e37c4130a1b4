import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

function statefulSet(edit: (s: any) => void = () => {}): any {
  const s: any = manifests.statefulSet();
  edit(s);
  applyDefaults(R.statefulSet, s);
  return s;
}

const errorsOf = (s: any) => validateCreate(R.statefulSet, s).map((e) => formatFieldError(e));

test('the web StatefulSet with volumeClaimTemplates is valid', () => assert.deepEqual(errorsOf(statefulSet()), []));

test('StatefulSet names are DNS labels', () => {
  assert.deepEqual(errorsOf(statefulSet((s) => (s.metadata.name = 'web.v1'))), ['metadata.name: Invalid value: "web.v1": must not contain dots']);
});

test('StatefulSet policies', () => {
  assert.deepEqual(errorsOf(statefulSet((s) => (s.spec.podManagementPolicy = 'Random'))), [
    "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
  ]);
  assert.deepEqual(errorsOf(statefulSet((s) => (s.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } }))), [
    "spec.updateStrategy.rollingUpdate: Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'",
  ]);
  assert.deepEqual(errorsOf(statefulSet((s) => (s.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' }))), [
    'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
  ]);
});

test('StatefulSet updates may change replicas and template only', () => {
  const old = statefulSet();
  assert.deepEqual(validateUpdate(R.statefulSet, statefulSet((s) => ((s.spec.replicas = 5), (s.spec.template.spec.containers[0].image = 'nginx'))), old), []);
  assert.deepEqual(validateUpdate(R.statefulSet, statefulSet((s) => (s.spec.serviceName = 'other')), old).map((e) => formatFieldError(e)), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});
