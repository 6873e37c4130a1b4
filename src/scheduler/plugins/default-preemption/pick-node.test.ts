import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../fixtures.test-support.ts';
import { pickOneNodeForPreemption, type Candidate } from './pick-node.ts';

const NOW = Date.parse('2024-01-01T12:00:00Z');
const v = (priority: number, startTime = '2024-01-01T00:00:00Z') => makePod(`v${priority}-${startTime}`, { priority, startTime });
const c = (nodeName: string, victims: ReturnType<typeof v>[], numPDBViolations = 0): Candidate => ({ nodeName, victims, numPDBViolations });

const cases: { name: string; candidates: Candidate[]; want: string | undefined }[] = [
  { name: 'no candidates', candidates: [], want: undefined },
  { name: 'fewest budget violations first', candidates: [c('a', [v(1)], 1), c('b', [v(100), v(50)], 0)], want: 'b' },
  { name: 'then the lowest highest-priority victim', candidates: [c('a', [v(10), v(1)]), c('b', [v(5), v(5), v(5)])], want: 'b' },
  { name: 'then the smallest priority sum', candidates: [c('a', [v(5), v(4)]), c('b', [v(5), v(1)])], want: 'b' },
  { name: 'negative priorities sum as upstream', candidates: [c('a', [v(-5), v(-5)]), c('b', [v(-5)])], want: 'b' },
  { name: 'then the fewest victims', candidates: [c('a', [v(5), v(0), v(0)]), c('b', [v(5), v(0)])], want: 'b' },
  {
    name: 'then the latest start among the highest-priority victims',
    candidates: [c('a', [v(5, '2024-01-01T01:00:00Z'), v(1)]), c('b', [v(5, '2024-01-01T02:00:00Z'), v(1)])],
    want: 'b',
  },
  { name: 'all tied: the first', candidates: [c('a', [v(5)]), c('b', [v(5)])], want: 'a' },
];
for (const t of cases) test(t.name, () => assert.equal(pickOneNodeForPreemption(t.candidates, NOW)?.nodeName, t.want));
