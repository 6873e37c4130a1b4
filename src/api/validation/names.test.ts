import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isIP,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
  isValidPortName,
} from './names.ts';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('DNS names', () => {
  const cases: [string, (v: string) => string[], string, string[]][] = [
    ['subdomain ok', isDNS1123Subdomain, 'my.app-1', []],
    ['subdomain upper case', isDNS1123Subdomain, 'MyApp', [SUBDOMAIN]],
    ['subdomain too long', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    ['label ok', isDNS1123Label, '123-abc', []],
    ['label with dots', isDNS1123Label, 'a.b', ['must not contain dots']],
    ['label trailing dash', isDNS1123Label, 'abc-', [LABEL]],
    ['label too long', isDNS1123Label, 'a'.repeat(64), ['must be no more than 63 characters']],
    ['dns-1035 digit first', isDNS1035Label, '1web', [DNS1035]],
    ['dns-1035 ok', isDNS1035Label, 'web-1', []],
  ];
  for (const [name, fn, value, want] of cases) test(name, () => assert.deepEqual(fn(value), want));
});

describe('qualified names and label values', () => {
  test('a prefixed key is fine', () => assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []));
  test('a bad name part', () => assert.deepEqual(isQualifiedName('bad key!'), [QUALIFIED_NAME_PART]));
  test('an empty prefix', () => assert.deepEqual(isQualifiedName('/name'), ['prefix part must be non-empty']));
  test('a bad prefix', () => assert.deepEqual(isQualifiedName('Example.com/x'), [`prefix part ${SUBDOMAIN}`]));
  test('two slashes', () => assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/));
  test('an empty name part', () => assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', QUALIFIED_NAME_PART]));
  test('label value may be empty', () => assert.deepEqual(isValidLabelValue(''), []));
  test('label value with a space', () => assert.deepEqual(isValidLabelValue('a b'), [LABEL_VALUE]));
  test('label value too long', () => assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']));
});

describe('port names, keys, env names, percents, IPs', () => {
  test('IANA service names', () => {
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('80'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
    assert.deepEqual(isValidPortName('-http'), ['must not begin or end with a hyphen']);
    assert.deepEqual(isValidPortName('HTTP'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
  });
  test('config keys', () => {
    assert.deepEqual(isConfigMapKey('game.properties'), []);
    assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    assert.deepEqual(isConfigMapKey('a/b'), [
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });
  test('environment variable names are relaxed in v1.32', () => {
    assert.deepEqual(isEnvVarName('1$WEIRD name'), []);
    assert.deepEqual(isEnvVarName('A=B'), ["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
  });
  test('percentages', () => {
    assert.deepEqual(isValidPercent('25%'), []);
    assert.equal(isValidPercent('25').length, 1);
  });
  test('IP addresses', () => {
    for (const ok of ['10.0.0.1', '::1', '2001:db8::ffff', 'fe80::1:2', '::ffff:10.0.0.1']) assert.equal(isIP(ok), true, ok);
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', 'abc', '1::2::3', '1:2:3:4:5:6:7:8:9']) assert.equal(isIP(bad), false, bad);
  });
});
