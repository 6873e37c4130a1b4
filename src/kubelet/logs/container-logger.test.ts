import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ContainerLogger } from './container-logger.ts';
import { parseRecord } from './cri-log-format.ts';

const run = promisify(execFile);

/** A container directory with stdout/stderr FIFOs held open read-write, as the runtime hands them to runc. */
async function fakeContainer(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-logger-'));
  await run('mkfifo', [join(dir, 'stdout'), join(dir, 'stderr')]);
  const stdout = await open(join(dir, 'stdout'), constants.O_RDWR);
  const stderr = await open(join(dir, 'stderr'), constants.O_RDWR);
  const exit = async () => {
    await stdout.close().catch(() => undefined);
    await stderr.close().catch(() => undefined);
  };
  t.after(async () => {
    await exit();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, stdout, stderr, exit };
}

async function records(path: string) {
  const text = await readFile(path);
  return text
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => parseRecord(Buffer.from(l))!)
    .map((r) => [r.stream, r.complete ? 'F' : 'P', r.content.toString()]);
}

test('copies stdout and stderr into CRI records and finishes when the container exits', async (t) => {
  const c = await fakeContainer(t);
  const logger = new ContainerLogger();
  t.after(() => logger.stop());
  const logPath = join(c.dir, 'logs', 'app', '0.log');
  const attachment = await logger.attach(c.dir, logPath);
  await c.stdout.write('hello\nworld\n');
  await c.stderr.write('oops\n');
  await c.stdout.write('$ ');
  await c.exit();
  await attachment.done;
  const got = await records(logPath);
  assert.deepEqual(got.filter((r) => r[0] === 'stdout'), [['stdout', 'F', 'hello'], ['stdout', 'F', 'world'], ['stdout', 'P', '$ ']]);
  assert.deepEqual(got.filter((r) => r[0] === 'stderr'), [['stderr', 'F', 'oops']]);
});

test('output written while no logger is attached is logged by the next attachment', async (t) => {
  const c = await fakeContainer(t);
  const logPath = join(c.dir, '0.log');
  const first = new ContainerLogger();
  await first.attach({ stdoutFifo: join(c.dir, 'stdout'), stderrFifo: join(c.dir, 'stderr') }, logPath);
  await c.stdout.write('before restart\n');
  await waitForFile(logPath, /before restart/);
  await first.stop();
  await c.stdout.write('while down\n');
  const second = new ContainerLogger();
  t.after(() => second.stop());
  const attachment = await second.attach(c.dir, logPath);
  assert.equal(await second.attach(c.dir, logPath), attachment, 'attaching twice returns the running attachment');
  await c.exit();
  await attachment.done;
  assert.deepEqual(await records(logPath), [['stdout', 'F', 'before restart'], ['stdout', 'F', 'while down']]);
});

test('rotates past the size limit keeping one old file', async (t) => {
  const c = await fakeContainer(t);
  const logPath = join(c.dir, '0.log');
  const logger = new ContainerLogger({ maxFileBytes: 200 });
  t.after(() => logger.stop());
  const attachment = await logger.attach(c.dir, logPath);
  for (let i = 0; i < 12; i++) {
    await c.stdout.write(`line ${i}\n`);
    await waitForFile(logPath, new RegExp(`line ${i}\\n`), true);
  }
  await c.exit();
  await attachment.done;
  const current = await records(logPath);
  const old = await records(`${logPath}.1`);
  assert.ok((await readFile(logPath)).length <= 200);
  assert.equal(current.at(-1)![2], 'line 11');
  const all = [...old, ...current].map((r) => r[2]);
  assert.deepEqual(all, all.map((_, i) => `line ${12 - all.length + i}`), 'the old file holds the lines just before the current ones');
  assert.ok(all.length < 12, 'older rotations are dropped');
});

/** Waits until the log (or, with `either`, the log or its rotated part) matches. */
async function waitForFile(path: string, pattern: RegExp, either = false): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const texts = await Promise.all([path, ...(either ? [`${path}.1`] : [])].map((p) => readFile(p, 'utf8').catch(() => '')));
    if (texts.some((t) => pattern.test(t.replace(/^\S+ \S+ [PF] /gm, '')))) return;
    if (Date.now() > deadline) throw new Error(`${path} never matched ${pattern}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('attaching before the container opens its FIFOs waits for it (create → attach → start)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-logger-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await run('mkfifo', [join(dir, 'stdout'), join(dir, 'stderr')]);
  const logger = new ContainerLogger();
  t.after(() => logger.stop());
  const logPath = join(dir, '0.log');
  const attachment = await logger.attach(dir, logPath);
  // The container starts only now: its monitor opens the FIFOs, writes, and exits.
  const stdout = await open(join(dir, 'stdout'), constants.O_RDWR);
  const stderr = await open(join(dir, 'stderr'), constants.O_RDWR);
  await stdout.write('started late\n');
  await stdout.close();
  await stderr.close();
  await attachment.done;
  assert.deepEqual(await records(logPath), [['stdout', 'F', 'started late']]);
});
