import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R } from './fixtures.test-support.ts';
import { validateCreate, validateStatusUpdate } from './index.ts';

function namespace(edit: (n: any) => void = () => {}): any {
  const n: any = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
  edit(n);
  applyDefaults(R.namespace, n);
  return n;
}
const errorsOf = (o: any) => validateCreate(R.namespace, o).map((e) => formatFieldError(e));

test('a Namespace with defaults is valid', () => assert.deepEqual(errorsOf(namespace()), []));

test('Namespace names are DNS labels', () => {
  assert.deepEqual(errorsOf(namespace((n) => (n.metadata.name = 'Team-A'))), [
    `metadata.name: Invalid value: "Team-A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test('spec finalizers are standard or fully qualified', () => {
  assert.deepEqual(errorsOf(namespace((n) => (n.spec = { finalizers: ['kubernetes', 'example.com/x', 'cleanup'] }))), [
    'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('the phase follows deletion', () => {
  const old = namespace();
  const next = structuredClone(old);
  next.status.phase = 'Terminating';
  assert.deepEqual(validateStatusUpdate(R.namespace, next, old).map((e) => formatFieldError(e)), [
    "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty",
  ]);
});
