import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import { compileNodeSelectorTerms } from './node-selector.ts';
import { makeNode } from './fixtures.test-support.ts';

const node = makeNode('n1', { labels: { zone: 'a', gen: '3', gpu: '' } });
const expr = (key: string, operator: string, values?: string[]): NodeSelectorTerm => ({ matchExpressions: [{ key, operator, values }] });

const cases: { name: string; terms: NodeSelectorTerm[]; want: boolean }[] = [
  { name: 'In a listed value', terms: [expr('zone', 'In', ['a', 'b'])], want: true },
  { name: 'In without the value', terms: [expr('zone', 'In', ['b'])], want: false },
  { name: 'NotIn another value', terms: [expr('zone', 'NotIn', ['b'])], want: true },
  { name: 'NotIn on a missing label', terms: [expr('rack', 'NotIn', ['x'])], want: true },
  { name: 'NotIn the value', terms: [expr('zone', 'NotIn', ['a'])], want: false },
  { name: 'Exists with an empty value', terms: [expr('gpu', 'Exists')], want: true },
  { name: 'Exists on a missing label', terms: [expr('rack', 'Exists')], want: false },
  { name: 'DoesNotExist on a missing label', terms: [expr('rack', 'DoesNotExist')], want: true },
  { name: 'DoesNotExist on a present label', terms: [expr('zone', 'DoesNotExist')], want: false },
  { name: 'Gt a smaller number', terms: [expr('gen', 'Gt', ['2'])], want: true },
  { name: 'Gt an equal number', terms: [expr('gen', 'Gt', ['3'])], want: false },
  { name: 'Lt a larger number', terms: [expr('gen', 'Lt', ['4'])], want: true },
  { name: 'Gt on a non-integer label', terms: [expr('zone', 'Gt', ['1'])], want: false },
  { name: 'Gt with two values is invalid', terms: [expr('gen', 'Gt', ['1', '2'])], want: false },
  { name: 'In without values is invalid', terms: [expr('zone', 'In', [])], want: false },
  { name: 'an empty term matches nothing', terms: [{}], want: false },
  { name: 'no terms match nothing', terms: [], want: false },
  { name: 'terms are ORed', terms: [expr('zone', 'In', ['b']), expr('gen', 'Exists')], want: true },
  { name: 'requirements are ANDed', terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'Lt', values: ['3'] }] }], want: false },
  { name: 'matchFields on the name', terms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], want: true },
  { name: 'matchFields on another name', terms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }], want: false },
  { name: 'matchFields on another field is invalid', terms: [{ matchFields: [{ key: 'spec.x', operator: 'In', values: ['n1'] }] }], want: false },
];
for (const c of cases) test(c.name, () => assert.equal(compileNodeSelectorTerms(c.terms)(node), c.want));
