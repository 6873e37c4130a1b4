import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTime, parseDurationMs } from './time.ts';

test('times are RFC 3339 in UTC to the second, whichever second came before', () => {
  const t = Date.UTC(2026, 10, 26, 9, 40, 0, 999);
  assert.equal(formatTime(t), '2026-11-26T09:40:00Z');
  assert.equal(formatTime(t + 1), '2026-11-26T09:40:01Z');
  assert.equal(formatTime(new Date(t - 999)), '2026-11-26T09:40:00Z');
  assert.equal(formatTime(-1), '1969-12-31T23:59:59Z');
  assert.equal(formatTime(0), '1970-01-01T00:00:00Z');
  assert.throws(() => formatTime(new Date(NaN)), RangeError);
});

test('parseDurationMs', () => {
  const cases: [string, number | undefined][] = [
    ['5s', 5000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1.5s', 1500],
    ['7', 7000],
    ['', undefined],
    ['5 s', undefined],
    ['-1s', undefined],
    ['1d', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseDurationMs(text), want, text);
});
