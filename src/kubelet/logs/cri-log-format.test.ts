import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatNanos, formatRecord, parseNanos, parseRecord, RecordClock, splitIntoRecords, MAX_RECORD_CONTENT } from './cri-log-format.ts';

test('records round-trip through format and parse', () => {
  const cases = [
    { stream: 'stdout' as const, complete: true, content: 'hello world' },
    { stream: 'stderr' as const, complete: false, content: 'prompt$ ' },
    { stream: 'stdout' as const, complete: true, content: '' },
    { stream: 'stdout' as const, complete: true, content: 'tabs\tand  spaces ' },
  ];
  for (const c of cases) {
    const line = formatRecord('2026-11-26T12:00:00.123456789Z', c.stream, c.complete, Buffer.from(c.content));
    assert.equal(line.at(-1), 0x0a);
    const r = parseRecord(line.subarray(0, -1));
    assert.deepEqual(r && { ...r, content: r.content.toString() }, { timestamp: '2026-11-26T12:00:00.123456789Z', ...c });
  }
});

test('parseRecord rejects lines that are not CRI records', () => {
  for (const line of ['', 'garbage', '2026-11-26T12:00:00Z stdin F x', '2026-11-26T12:00:00Z']) {
    assert.equal(parseRecord(Buffer.from(line)), undefined, line);
  }
});

test('splitIntoRecords: lines end F, an unterminated tail and overlong lines are P', () => {
  const table: [string, [string, boolean][]][] = [
    ['a\nb\n', [['a', true], ['b', true]]],
    ['a\n\nb', [['a', true], ['', true], ['b', false]]],
    ['$ ', [['$ ', false]]],
    ['\n', [['', true]]],
  ];
  for (const [input, want] of table) {
    assert.deepEqual(splitIntoRecords(Buffer.from(input)).map((r) => [r.content.toString(), r.complete]), want, JSON.stringify(input));
  }
  const long = Buffer.alloc(MAX_RECORD_CONTENT * 2 + 5, 'x');
  const records = splitIntoRecords(Buffer.concat([long, Buffer.from('\n')]));
  assert.deepEqual(records.map((r) => [r.content.length, r.complete]), [[MAX_RECORD_CONTENT, false], [MAX_RECORD_CONTENT, false], [5, true]]);
});

test('timestamps have nine fractional digits and never go backwards', () => {
  assert.equal(formatNanos(1_764_158_400_123_456_789n), '2025-11-26T12:00:00.123456789Z');
  assert.equal(parseNanos('2025-11-26T12:00:00.123456789Z'), 1_764_158_400_123_456_789n);
  assert.equal(parseNanos('2025-11-26T12:00:00Z'), 1_764_158_400_000_000_000n);
  assert.equal(parseNanos('2025-11-26T13:00:00.5+01:00'), 1_764_158_400_500_000_000n);
  const clock = new RecordClock(() => 1_764_158_400_000);
  const stamps = Array.from({ length: 50 }, () => parseNanos(clock.next())!);
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] > stamps[i - 1]);
});
