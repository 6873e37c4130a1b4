import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

test('generated.json is what scripts/gen-schema.ts makes of the installed client-node models', async () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/gen-schema.ts', '--check'], { cwd: root });
  await assert.doesNotReject(run, 'generated.json is stale: run node --import tsx scripts/gen-schema.ts');
});
