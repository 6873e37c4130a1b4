import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffScript, fullScript } from './nft-script.ts';
import type { ProxyRuleset } from './ruleset.ts';

function rs(chains: Record<string, string[]>, elements: Record<string, Record<string, string>> = {}, sets: Record<string, string> = {}): ProxyRuleset {
  return {
    chains: new Map(Object.entries(chains)),
    sets: new Map(Object.entries(sets)),
    elements: new Map(Object.entries(elements).map(([k, v]) => [k, new Map(Object.entries(v))])),
  };
}

const lines = (script: string) => script.split('\n').filter(Boolean);

const two = rs(
  { 'svc-a': ['numgen random mod 2 vmap { 0 : goto ep-a1, 1 : goto ep-a2 }'], 'ep-a1': ['dnat to 10.42.0.5:80'], 'ep-a2': ['dnat to 10.42.0.6:80'] },
  { 'service-ips': { '10.43.0.1 . tcp . 80': 'goto svc-a' } },
);
const one = rs({ 'svc-a': ['goto ep-a1'], 'ep-a1': ['dnat to 10.42.0.5:80'] }, { 'service-ips': { '10.43.0.1 . tcp . 80': 'goto svc-a' } });
const none = rs({}, { 'no-endpoint-services': { '10.43.0.1 . tcp . 80': '' } });

const cases: { name: string; previous: ProxyRuleset; desired: ProxyRuleset; want: string[] }[] = [
  { name: 'no change: an empty script', previous: two, desired: two, want: [] },
  {
    name: 'an endpoint left: the service chain is rewritten, the endpoint chain deleted after it',
    previous: two,
    desired: one,
    want: ['flush chain ip t svc-a', 'add rule ip t svc-a goto ep-a1', 'flush chain ip t ep-a2', 'delete chain ip t ep-a2'],
  },
  {
    name: 'an endpoint came: its chain is added before the service chain that jumps to it',
    previous: one,
    desired: two,
    want: [
      'add chain ip t ep-a2',
      'flush chain ip t svc-a',
      'add rule ip t svc-a numgen random mod 2 vmap { 0 : goto ep-a1, 1 : goto ep-a2 }',
      'add rule ip t ep-a2 dnat to 10.42.0.6:80',
    ],
  },
  {
    name: 'the last endpoint left: the map element goes before its chains, the address joins the reject set',
    previous: one,
    desired: none,
    want: [
      'delete element ip t service-ips { 10.43.0.1 . tcp . 80 }',
      'add element ip t no-endpoint-services { 10.43.0.1 . tcp . 80 }',
      'flush chain ip t svc-a',
      'flush chain ip t ep-a1',
      'delete chain ip t svc-a',
      'delete chain ip t ep-a1',
    ],
  },
  {
    name: 'a changed map value is deleted and added again; sets come before the chains using them and go after',
    previous: rs({ 'svc-a': ['goto ep-a1'], 'ep-a1': ['update @aff-1 { ip saddr }'] }, { 'service-ips': { k: 'goto svc-a' } }, { 'aff-1': 'timeout 1s;' }),
    desired: rs({ 'svc-b': ['goto ep-a1'], 'ep-a1': ['update @aff-2 { ip saddr }'] }, { 'service-ips': { k: 'goto svc-b' } }, { 'aff-2': 'timeout 2s;' }),
    want: [
      'add set ip t aff-2 { timeout 2s; }',
      'add chain ip t svc-b',
      'add rule ip t svc-b goto ep-a1',
      'flush chain ip t ep-a1',
      'add rule ip t ep-a1 update @aff-2 { ip saddr }',
      'delete element ip t service-ips { k }',
      'add element ip t service-ips { k : goto svc-b }',
      'flush chain ip t svc-a',
      'delete chain ip t svc-a',
      'delete set ip t aff-1',
    ],
  },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(lines(diffScript('t', c.previous, c.desired)), c.want);
  });
}

test('a full script replaces the table: create-then-delete (so it works whether or not it exists), the skeleton, then chains before rules', () => {
  const script = lines(fullScript('t', two));
  assert.deepEqual(script.slice(0, 3), ['add table ip t', 'delete table ip t', 'table ip t {']);
  const rest = script.slice(script.indexOf('}', 3) + 1).filter((l) => !l.startsWith(' ') && l !== '}');
  assert.deepEqual(rest, [
    'add chain ip t svc-a',
    'add chain ip t ep-a1',
    'add chain ip t ep-a2',
    'add rule ip t svc-a numgen random mod 2 vmap { 0 : goto ep-a1, 1 : goto ep-a2 }',
    'add rule ip t ep-a1 dnat to 10.42.0.5:80',
    'add rule ip t ep-a2 dnat to 10.42.0.6:80',
    'add element ip t service-ips { 10.43.0.1 . tcp . 80 : goto svc-a }',
  ]);
});

test('elements are batched per statement', () => {
  const many = rs({}, { 'no-endpoint-services': Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`10.43.${i >> 8}.${i & 255} . tcp . 80`, ''])) });
  const adds = lines(fullScript('t', many)).filter((l) => l.startsWith('add element'));
  assert.equal(adds.length, 3);
  assert.equal(adds.map((l) => l.split(',').length).reduce((a, b) => a + b), 1200);
});
