import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

/** The nginx Deployment's spec, recast as another controller kind. */
function controller(resource: typeof R.rc, edit: (o: any) => void = () => {}): any {
  const o: any = manifests.deployment();
  delete o.spec.strategy;
  if (resource === R.rc) o.spec.selector = { app: 'nginx' };
  edit(o);
  applyDefaults(resource, o);
  return o;
}

const errorsOf = (r: typeof R.rc, o: any) => validateCreate(r, o).map((e) => formatFieldError(e));

describe('ReplicationController', () => {
  test('a valid RC', () => assert.deepEqual(errorsOf(R.rc, controller(R.rc)), []));
  test('the selector defaults to the template labels', () => assert.deepEqual(errorsOf(R.rc, controller(R.rc, (o) => delete o.spec.selector)), []));
  test('a selector that does not match', () => {
    assert.deepEqual(errorsOf(R.rc, controller(R.rc, (o) => (o.spec.selector = { app: 'web' }))), [
      'spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`',
    ]);
  });
  test('no deadlines on long-running pods', () => {
    assert.deepEqual(errorsOf(R.rc, controller(R.rc, (o) => (o.spec.template.spec.activeDeadlineSeconds = 10))), [
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported',
    ]);
  });
});

describe('ReplicaSet', () => {
  test('a valid ReplicaSet', () => assert.deepEqual(errorsOf(R.replicaSet, controller(R.replicaSet)), []));
  test('upstream calls an empty ReplicaSet selector a deployment one', () => {
    assert.deepEqual(errorsOf(R.replicaSet, controller(R.replicaSet, (o) => (o.spec.selector = { matchLabels: {} }))), [
      'spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment',
    ]);
  });
  test('set-based selectors are checked and matched', () => {
    const sel = { matchExpressions: [{ key: 'app', operator: 'In', values: ['nginx', 'web'] }] };
    assert.deepEqual(errorsOf(R.replicaSet, controller(R.replicaSet, (o) => (o.spec.selector = sel))), []);
    const bad = { matchExpressions: [{ key: 'app', operator: 'In' }, { key: 'tier', operator: 'Near' }] };
    assert.deepEqual(errorsOf(R.replicaSet, controller(R.replicaSet, (o) => (o.spec.selector = bad))), [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.selector.matchExpressions[1].operator: Invalid value: "Near": not a valid selector operator',
      'spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`',
    ]);
  });
  test('the selector is immutable', () => {
    const old = controller(R.replicaSet);
    const next = controller(R.replicaSet, (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Exists' }] }));
    assert.equal(validateUpdate(R.replicaSet, next, old).map((e) => formatFieldError(e)).at(-1), 'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable');
  });
});
