import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { nodeFlagsOfShebang, skiffNodeFlags } from './node-flags.ts';

test('the flags are read from a #! line after node', () => {
  assert.deepEqual(nodeFlagsOfShebang('#!/usr/bin/env -S node --max-semi-space-size=64 --foo'), ['--max-semi-space-size=64', '--foo']);
  assert.deepEqual(nodeFlagsOfShebang('#!/usr/bin/env node'), []);
  assert.deepEqual(nodeFlagsOfShebang('#!/usr/local/bin/node --x'), ['--x']);
});

test("bin/skiff's flags are ones this Node accepts, and a process started with them runs with them", () => {
  const flags = skiffNodeFlags();
  assert.ok(flags.length > 0, 'bin/skiff names its Node flags on its #! line');
  const seen = execFileSync(process.execPath, [...flags, '-p', 'JSON.stringify(process.execArgv)'], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(seen).slice(0, flags.length), flags);
});
