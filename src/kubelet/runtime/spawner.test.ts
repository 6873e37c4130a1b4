import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SpawnedCommandError, Spawner } from './spawner.ts';

describe('Spawner', { skip: process.platform !== 'linux' ? 'Linux only' : undefined }, () => {
  const spawner = new Spawner();

  test('passes every argument through as given: quotes, newlines, dollars, backslashes', async () => {
    const args = ["it's", 'two\nlines', '$HOME', '"q"', 'back\\slash', '', '*'];
    const { stdout } = await spawner.run(['/bin/busybox', 'sh', '-c', 'for a in "$@"; do printf "[%s]" "$a"; done', 'sh', ...args]);
    assert.equal(stdout, args.map((a) => `[${a}]`).join(''));
  });

  test('input goes to the command\'s stdin; without it stdin is empty', async () => {
    assert.equal((await spawner.run(['cat'], { input: 'hello\nworld\n' })).stdout, 'hello\nworld\n');
    assert.equal((await spawner.run(['cat'])).stdout, '');
  });

  test('a command that fails rejects with its exit status, stdout and stderr', async () => {
    const err = await spawner.run(['/bin/busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SpawnedCommandError);
    assert.equal(err.code, 3);
    assert.equal(err.stdout, 'out\n');
    assert.equal(err.stderr, 'err\n');
  });

  test('env is added to that command\'s environment alone', async () => {
    const print = ['/bin/busybox', 'sh', '-c', 'printf "[%s]" "${SKIFF_TEST_VAR-unset}"'];
    assert.equal((await spawner.run(print, { env: { SKIFF_TEST_VAR: "it's $x" } })).stdout, "[it's $x]");
    assert.equal((await spawner.run(print)).stdout, '[unset]');
    await assert.rejects(spawner.run(print, { env: { 'BAD NAME': '1' } }), /invalid environment variable name/);
  });

  test('a missing binary rejects with ENOENT', async () => {
    const err = await spawner.run(['skiff-no-such-command']).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SpawnedCommandError);
    assert.equal(err.code, 'ENOENT');
  });

  test('a bare name runs the binary on PATH, not a busybox applet of that name', async () => {
    const { stdout } = await spawner.run(['ip', '-V']);
    assert.match(stdout, /iproute2/);
  });

  test('a ready command resolves with its pid once it says so, and runs on', async () => {
    const result = await spawner.spawn(['/bin/busybox', 'sh', '-c', 'echo "$SKIFF_SPAWN_ID up $$"; exec >/dev/null 2>&1; while :; do sleep 1; done', 'skiff-spawner-test'], { ready: true });
    assert.equal(result.matched, true);
    assert.ok(readFileSync(`/proc/${result.pid}/cmdline`, 'utf8').includes('skiff-spawner-test'));
    process.kill(result.pid!, 'SIGKILL');
  });

  test('a ready command that exits first resolves unmatched, with its stderr', async () => {
    const result = await spawner.spawn(['/bin/busybox', 'sh', '-c', 'echo cannot >&2; exit 1'], { ready: true });
    assert.equal(result.matched, undefined);
    assert.equal(result.stderr, 'cannot\n');
  });

  test('a ready command that says so and exits at once still counts as ready', async () => {
    const result = await spawner.spawn(['/bin/busybox', 'sh', '-c', 'echo "$SKIFF_SPAWN_ID up $$"'], { ready: true });
    assert.equal(result.matched, true);
  });

  test('a command is forked by a worker the kubelet started, not by a subshell of one', async () => {
    // $PPID is the process that forked the command: with a subshell in between, its parent is the helper.
    const { stdout } = await spawner.run(['/bin/busybox', 'sh', '-c', 'echo $PPID']);
    const parent = readFileSync(`/proc/${stdout.trim()}/stat`, 'utf8');
    assert.equal(Number(parent.slice(parent.lastIndexOf(')') + 2).split(' ')[1]), process.pid);
  });

  test('commands run on in the background while the workers are held up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-spawner-'));
    try {
      const flag = join(dir, 'go');
      const waitForFlag = ['/bin/busybox', 'sh', '-c', 'while [ ! -e "$0" ]; do sleep 0.05; done', flag];
      const held = [spawner.run(waitForFlag), spawner.run(waitForFlag)];
      // Past the time a worker that has not moved is given more (see QUEUE_DEPTH).
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await spawner.run(['/bin/busybox', 'sh', '-c', 'echo free'])).stdout, 'free\n');
      writeFileSync(flag, '');
      await Promise.all(held);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without workers, every command runs in the helper\'s background', async () => {
    const alone = new Spawner({ workers: 0 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => alone.run(['/bin/busybox', 'sh', '-c', `echo ${i}`], { env: { X: String(i) } })));
    assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 5 }, (_, i) => `${i}\n`));
  });

  test('many commands at once each get their own result', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => spawner.run(['/bin/busybox', 'sh', '-c', `echo ${i}`])));
    assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 40 }, (_, i) => `${i}\n`));
  });
});
