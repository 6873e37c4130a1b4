import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { accessModes, formatLabels, formatLabelSelector, humanDuration, since } from './format.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  test("upstream's steps", () => {
    const cases: [number, string][] = [
      [-2 * S, '<invalid>'],
      [-1 * S, '0s'],
      [0, '0s'],
      [5 * S, '5s'],
      [119 * S, '119s'],
      [2 * M, '2m'],
      [3 * M + 2 * S, '3m2s'],
      [9 * M + 59 * S, '9m59s'],
      [10 * M + 30 * S, '10m'],
      [179 * M, '179m'],
      [3 * H, '3h'],
      [4 * H + 5 * M, '4h5m'],
      [8 * H + 5 * M, '8h'],
      [47 * H, '47h'],
      [2 * D, '2d'],
      [2 * D + 3 * H, '2d3h'],
      [8 * D + 3 * H, '8d'],
      [729 * D, '729d'],
      [2 * 365 * D, '2y'],
      [3 * 365 * D + 10 * D, '3y10d'],
      [9 * 365 * D + 10 * D, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}ms`);
  });

  test('since a timestamp, or unknown without one', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    assert.equal(since('2024-05-01T11:55:00Z', now), '5m');
    assert.equal(since(undefined, now), '<unknown>');
    assert.equal(since('garbage', now), '<unknown>');
  });
});

describe('label formatting', () => {
  test('label maps sorted by key, <none> when empty', () => {
    assert.equal(formatLabels({ tier: 'web', app: 'x' }), 'app=x,tier=web');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });

  test('label selectors in selector syntax', () => {
    assert.equal(formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }), 'app=web,env in (dev,prod)');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  });
});

test('access modes in fixed order', () => {
  assert.equal(accessModes(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce']), 'RWO,RWX');
  assert.equal(accessModes(['ReadWriteOncePod']), 'RWOP');
  assert.equal(accessModes(undefined), '');
});
