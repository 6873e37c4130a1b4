import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { humanSize } from './image-command.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `skiff image ARGS` through registerImageCommands, as main.ts will. */
async function skiffImage(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const script = `
    import { Command } from 'commander';
    import { registerImageCommands } from './src/cli/image-command.ts';
    const program = new Command('skiff');
    registerImageCommands(program);
    await program.parseAsync(process.argv.slice(1), { from: 'user' });`;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, '--', 'image', ...args], { cwd: repo });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('humanSize', () => {
  for (const [bytes, text] of [[0, '0B'], [999, '999B'], [1000, '1kB'], [2140160, '2.14MB'], [100_000_000, '100MB'], [1_500_000_000, '1.5GB']] as const) {
    it(`${bytes} → ${text}`, () => assert.equal(humanSize(bytes), text));
  }
});

describe('skiff image', { skip: process.getuid?.() !== 0 ? 'needs root (layers keep owners)' : false }, () => {
  it('imports, lists and removes an image', async (t) => {
    const tmp = await mkdtemp(join(tmpdir(), 'skiff-image-cli-'));
    t.after(() => rm(tmp, { recursive: true, force: true }));
    const archive = join(tmp, 'busybox.tar');
    await run(join(repo, 'scripts/build-busybox-image.sh'), [archive, 'busybox:cli']);
    const dataDir = join(tmp, 'data');

    const imported = await skiffImage(['import', archive, '--data-dir', dataDir]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^imported docker\.io\/library\/busybox:cli sha256:[a-f0-9]{64}\n$/);

    const listed = await skiffImage(['ls', '--data-dir', dataDir]);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    assert.match(header, /^IMAGE\s+ID\s+SIZE$/);
    assert.match(row, /^docker\.io\/library\/busybox:cli\s+[a-f0-9]{13}\s+\d(\.\d+)?MB$/);
    assert.deepEqual(rest, []);

    const removed = await skiffImage(['rm', 'busybox:cli', '--data-dir', dataDir]);
    assert.equal(removed.stdout, 'deleted busybox:cli\n');
    assert.equal((await skiffImage(['ls', '--data-dir', dataDir])).stdout.trimEnd().split('\n').length, 1);

    const missing = await skiffImage(['rm', 'busybox:cli', '--data-dir', dataDir]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'skiff: error: No such image: busybox:cli\n');

    const badPull = await skiffImage(['pull', 'Not/Valid:', '--data-dir', dataDir]);
    assert.equal(badPull.code, 1);
    assert.match(badPull.stderr, /couldn't parse image name "Not\/Valid:": invalid reference format/);
  });
});
