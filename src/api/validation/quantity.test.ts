import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity } from './quantity.ts';

test('parseQuantity reads every upstream suffix', () => {
  const cases: [string | number, number | undefined][] = [
    ['1', 1],
    ['250m', 0.25],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['100n', 100e-9],
    ['3u', 3e-6],
    ['2k', 2000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1Ki', 1024],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['-1', -1],
    [2, 2],
    ['', undefined],
    ['1 Gi', undefined],
    ['1GB', undefined],
    ['1Ki2', undefined],
    ['abc', undefined],
    ['1.2.3', undefined],
  ];
  for (const [input, want] of cases) assert.equal(parseQuantity(input), want, String(input));
});
