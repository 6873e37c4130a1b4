import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { invalid } from '../../apiserver/errors.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

const configMap = (metadata: Record<string, unknown>) => ({ metadata: { namespace: 'default', ...metadata }, data: {} });
const messages = (errs: ReturnType<typeof validateCreate>) => errs.map((e) => formatFieldError(e));

describe('object metadata', () => {
  test('a bad name reads as upstream says it in the 422 Status', () => {
    const errs = validateCreate(R.configMap, configMap({ name: 'My_Config' }));
    assert.equal(
      invalid('ConfigMap', '', 'My_Config', errs).message,
      `ConfigMap "My_Config" is invalid: metadata.name: Invalid value: "My_Config": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });

  test('a name is required', () => {
    assert.deepEqual(messages(validateCreate(R.configMap, configMap({}))), ['metadata.name: Required value: name or generateName is required']);
  });

  test('generateName is checked as a prefix', () => {
    assert.deepEqual(messages(validateCreate(R.configMap, configMap({ name: 'web-x1', generateName: 'web-' }))), []);
    assert.equal(validateCreate(R.configMap, configMap({ name: 'web-x1', generateName: 'Web-' }))[0].field, 'metadata.generateName');
  });

  test('namespaced kinds need a namespace; cluster-scoped kinds refuse one', () => {
    assert.deepEqual(messages(validateCreate(R.configMap, { metadata: { name: 'a' } })), ['metadata.namespace: Required value']);
    assert.deepEqual(messages(validateCreate(R.priorityClass, { metadata: { name: 'high', namespace: 'default' }, value: 1000 })), [
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  test('Services and Namespaces have their own name rules', () => {
    const svc = { metadata: { name: '1web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } };
    applyDefaults(R.service, svc);
    assert.match(messages(validateCreate(R.service, svc))[0], /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist/);
    assert.deepEqual(messages(validateCreate(R.namespace, { metadata: { name: 'team.a' } })), ['metadata.name: Invalid value: "team.a": must not contain dots']);
  });

  test('labels: keys and values', () => {
    const errs = validateCreate(R.configMap, configMap({ name: 'a', labels: { 'bad key': 'ok', good: 'bad value' } }));
    assert.deepEqual(messages(errs), [
      `metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });

  test('annotations may not exceed 256 KiB in all', () => {
    const errs = validateCreate(R.configMap, configMap({ name: 'a', annotations: { big: 'x'.repeat(256 * 1024) } }));
    assert.deepEqual(messages(errs), ['metadata.annotations: Too long: must have at most 262144 bytes']);
  });

  test('annotation keys are qualified names in any case', () => {
    assert.deepEqual(messages(validateCreate(R.configMap, configMap({ name: 'a', annotations: { 'Example.com/Key': 'v' } }))), []);
    assert.equal(validateCreate(R.configMap, configMap({ name: 'a', annotations: { 'a b': 'v' } })).length, 1);
  });

  test('ownerReferences need apiVersion, kind, name and uid, and one controller at most', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
    const errs = validateCreate(R.configMap, configMap({ name: 'a', ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }, ref, { ...ref, name: 'rs2', uid: 'u2' }] }));
    assert.deepEqual(messages(errs).slice(0, 4), [
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
    assert.match(messages(errs)[4], /Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/rs2$/);
  });

  test('finalizers are qualified names', () => {
    assert.deepEqual(messages(validateCreate(R.configMap, configMap({ name: 'a', finalizers: ['example.com/cleanup'] }))), []);
    assert.equal(validateCreate(R.configMap, configMap({ name: 'a', finalizers: ['bad finalizer'] }))[0].field, 'metadata.finalizers');
  });
});

describe('object metadata on update', () => {
  const old = { metadata: { name: 'a', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '5' }, data: {} };

  test('name, namespace and uid are immutable', () => {
    const next = structuredClone(old);
    next.metadata.name = 'b';
    next.metadata.uid = 'u2';
    assert.deepEqual(messages(validateUpdate(R.configMap, next, old)), [
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });

  test('leaving uid and creationTimestamp out keeps them', () => {
    const next = { metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } };
    assert.deepEqual(validateUpdate(R.configMap, next, old), []);
  });

  test('no new finalizers once deletion started', () => {
    const deleting = structuredClone(old) as any;
    deleting.metadata.deletionTimestamp = '2024-01-02T00:00:00Z';
    const next = structuredClone(deleting);
    next.metadata.finalizers = ['example.com/late'];
    assert.deepEqual(messages(validateUpdate(R.configMap, next, deleting)), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/late"}',
    ]);
  });
});
