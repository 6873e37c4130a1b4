import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LabelSelectorError, parseLabelSelector, selectorFromLabelSelector } from './labels.ts';

const web = { app: 'web', tier: 'frontend', version: '3' };
const db = { app: 'db', tier: 'backend' };
const bare = {};

function matching(text: string): string[] {
  const sel = parseLabelSelector(text);
  return Object.entries({ web, db, bare }).filter(([, l]) => sel.matches(l)).map(([n]) => n);
}

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (err) {
    assert.ok(err instanceof LabelSelectorError);
    return err.message;
  }
  assert.fail(`parsed: ${text}`);
}

describe('parseLabelSelector', () => {
  test('equality operators', () => {
    assert.deepEqual(matching('app=web'), ['web']);
    assert.deepEqual(matching('app==web'), ['web']);
    assert.deepEqual(matching('app!=web'), ['db', 'bare']);
    assert.deepEqual(matching('app=web,tier=backend'), []);
    assert.deepEqual(matching('app='), []);
  });

  test('set-based operators', () => {
    assert.deepEqual(matching('app in (web,db)'), ['web', 'db']);
    assert.deepEqual(matching('app notin (web)'), ['db', 'bare']);
    assert.deepEqual(matching('tier'), ['web', 'db']);
    assert.deepEqual(matching('!tier'), ['bare']);
    assert.deepEqual(matching('app in (web), !version'), []);
    assert.deepEqual(matching('  app  in(db , web )  ,  tier  '), ['web', 'db']);
  });

  test('integer comparisons', () => {
    assert.deepEqual(matching('version>2'), ['web']);
    assert.deepEqual(matching('version<3'), []);
  });

  test('in and notin are plain words in value position', () => {
    assert.ok(parseLabelSelector('x in (in,notin)').matches({ x: 'notin' }));
    assert.ok(parseLabelSelector('x=in').matches({ x: 'in' }));
  });

  test('empty entries in a value set stand for the empty value', () => {
    assert.ok(parseLabelSelector('x in (a,,b)').matches({ x: '' }));
    assert.ok(parseLabelSelector('x in ()').matches({ x: '' }));
    assert.ok(!parseLabelSelector('x in (a,b)').matches({ x: '' }));
  });

  test('an empty selector matches everything and prints as nothing', () => {
    const sel = parseLabelSelector('');
    assert.equal(sel.empty, true);
    assert.equal(sel.toString(), '');
    assert.ok(sel.matches(undefined));
    assert.equal(parseLabelSelector('a').empty, false);
  });

  test('canonical string: sorted by key, values sorted', () => {
    assert.equal(parseLabelSelector('z notin (b,a), a==1,!c, b>4').toString(), 'a==1,b>4,!c,z notin (a,b)');
  });

  test('syntax errors carry upstream messages', () => {
    assert.equal(parseError('app in web'), "unable to parse requirement: found 'web' expected: '('");
    assert.equal(parseError('app=web,'), "found '', expected: identifier after ','");
    assert.equal(parseError('app=web tier'), "found 'tier', expected: ',' or 'end of string'");
    assert.equal(parseError('=web'), "found '=', expected: !, identifier, or 'end of string'");
    assert.equal(parseError('app (x)'), "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseError('app in (a b)'), "unable to parse requirement: found 'b', expected: ',' or ')'");
    assert.equal(parseError('app=(x)'), "unable to parse requirement: found '(', expected: identifier");
    assert.equal(parseError('! =x'), "unable to parse requirement: found '=', expected: identifier");
    assert.equal(parseError('!=x'), "found '!=', expected: !, identifier, or 'end of string'");
  });

  test('invalid keys and values are rejected as label syntax', () => {
    assert.equal(
      parseError('-app=x'),
      'unable to parse requirement: <nil>: Invalid value: "-app": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
    );
    assert.equal(
      parseError('app=a/b'),
      'unable to parse requirement: values[0][app]: Invalid value: "a/b": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
    );
    assert.match(parseError('Example.com/app'), /<nil>: Invalid value: "Example.com\/app": prefix part a lowercase RFC 1123 subdomain/);
    assert.match(parseError(`app=${'x'.repeat(64)}`), /must be no more than 63 characters/);
    assert.equal(parseError(`${'a'.repeat(254)}/app`), `unable to parse requirement: <nil>: Invalid value: "${'a'.repeat(254)}/app": prefix part must be no more than 253 characters`);
    assert.match(parseError('a/b/c'), /Invalid value: "a\/b\/c": a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
    assert.match(parseError('version>v2'), /values\[0\]: Invalid value: "v2": for 'Gt', 'Lt' operators, the value must be an integer/);
    assert.ok(parseLabelSelector('example.com/app=x').matches({ 'example.com/app': 'x' }));
  });
});

describe('selectorFromLabelSelector', () => {
  test('matchLabels and matchExpressions are ANDed', () => {
    const sel = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'version', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['b'] },
      ],
    });
    assert.ok(sel.matches(web));
    assert.ok(!sel.matches({ ...web, canary: 'true' }));
    assert.ok(!sel.matches({ ...web, zone: 'b' }));
    assert.ok(!sel.matches(db));
    assert.equal(sel.toString(), 'app=web,!canary,tier in (edge,frontend),version,zone notin (b)');
  });

  test('a missing selector matches nothing, an empty one everything', () => {
    assert.equal(selectorFromLabelSelector(undefined).matches(web), false);
    assert.equal(selectorFromLabelSelector(undefined).empty, false);
    assert.equal(selectorFromLabelSelector({}).matches(web), true);
    assert.equal(selectorFromLabelSelector({}).empty, true);
  });

  test('bad operators and empty value sets are errors', () => {
    assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
      name: 'LabelSelectorError',
      message: '"Gt" is not a valid label selector operator',
    });
    assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), {
      message: "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    });
    assert.throws(() => selectorFromLabelSelector({ matchLabels: { 'a b': 'x' } }), /^LabelSelectorError: key: Invalid value: "a b"/);
  });
});
