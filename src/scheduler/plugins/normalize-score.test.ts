import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultNormalizeScore } from './normalize-score.ts';

const cases: { name: string; raw: number[]; reverse: boolean; want: number[] }[] = [
  { name: 'scaled to the highest', raw: [1, 2, 4], reverse: false, want: [25, 50, 100] },
  { name: 'reversed: fewer is better', raw: [1, 2, 4], reverse: true, want: [75, 50, 0] },
  { name: 'all zero stays zero', raw: [0, 0], reverse: false, want: [0, 0] },
  { name: 'all zero reversed is all best', raw: [0, 0], reverse: true, want: [100, 100] },
  { name: 'integer division truncates', raw: [1, 3], reverse: false, want: [33, 100] },
];
for (const c of cases) {
  test(c.name, () => {
    const scores = c.raw.map((score, i) => ({ name: `n${i}`, score }));
    defaultNormalizeScore(scores, c.reverse);
    assert.deepEqual(scores.map((s) => s.score), c.want);
  });
}
