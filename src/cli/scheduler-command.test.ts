import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { parseBoolean } from './scheduler-command.ts';

test('--leader-elect takes true or false, as upstream writes them', () => {
  const cases: { text: string; want: boolean | 'error' }[] = [
    { text: 'true', want: true },
    { text: 'false', want: false },
    { text: 'False', want: 'error' },
    { text: 'no', want: 'error' },
    { text: '', want: 'error' },
  ];
  for (const c of cases) {
    if (c.want === 'error') assert.throws(() => parseBoolean(c.text), InvalidArgumentError, c.text);
    else assert.equal(parseBoolean(c.text), c.want, c.text);
  }
});
