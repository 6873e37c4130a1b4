import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function secret(extra: Record<string, unknown>): any {
  const s = { metadata: { name: 'creds', namespace: 'default' }, ...extra };
  applyDefaults(R.secret, s);
  return s;
}
const errorsOf = (o: any) => validateCreate(R.secret, o).map((e) => formatFieldError(e));

test('an Opaque Secret from stringData is valid', () => assert.deepEqual(errorsOf(secret({ stringData: { password: 's3cr3t' } })), []));

test('each well-known Secret type needs its keys', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ type: 'kubernetes.io/tls', data: {} }, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']],
    [{ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } }, []],
    [{ type: 'kubernetes.io/basic-auth', data: {} }, ['data[username]: Required value', 'data[password]: Required value']],
    [{ type: 'kubernetes.io/ssh-auth', data: {} }, ['data[ssh-privatekey]: Required value']],
    [{ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } }, []],
    [{ type: 'kubernetes.io/dockerconfigjson', data: {} }, ['data[.dockerconfigjson]: Required value']],
    [{ type: 'kubernetes.io/service-account-token' }, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
    [{ type: 'example.com/custom', data: { x: b64('y') } }, []],
  ];
  for (const [extra, want] of cases) assert.deepEqual(errorsOf(secret(extra)), want, JSON.stringify(extra));
});

test('a malformed dockerconfigjson is reported without its contents', () => {
  const [err] = validateCreate(R.secret, secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } }));
  assert.equal(err.field, 'data[.dockerconfigjson]');
  assert.equal(err.value, '<secret contents redacted>');
});

test('a Secret type cannot change', () => {
  const old = secret({ data: { a: b64('1') } });
  const next = secret({ type: 'kubernetes.io/basic-auth', data: { username: b64('u') } });
  assert.deepEqual(validateUpdate(R.secret, next, old).map((e) => formatFieldError(e)), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
});
