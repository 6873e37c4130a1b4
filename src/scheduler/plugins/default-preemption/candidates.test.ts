import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numCandidates } from './candidates.ts';

const cases: { nodes: number; want: number }[] = [
  { nodes: 3, want: 3 },
  { nodes: 100, want: 100 },
  { nodes: 500, want: 100 },
  { nodes: 5000, want: 500 },
];
for (const c of cases) test(`${c.nodes} nodes → ${c.want} candidates at most`, () => assert.equal(numCandidates(c.nodes), c.want));
