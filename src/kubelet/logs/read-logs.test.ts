import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { formatRecord, type LogStream } from './cri-log-format.ts';
import { LogNotFoundError, readLogs, type ReadLogsOptions } from './read-logs.ts';

function rec(second: number, stream: LogStream, tag: 'P' | 'F', content: string): Buffer {
  return formatRecord(`2026-11-26T12:00:${String(second).padStart(2, '0')}.000000001Z`, stream, tag === 'F', Buffer.from(content));
}

const LOG = Buffer.concat([
  rec(1, 'stdout', 'F', 'one'),
  rec(2, 'stderr', 'F', 'two'),
  rec(3, 'stdout', 'P', 'thr'),
  rec(3, 'stdout', 'F', 'ee'),
  rec(4, 'stdout', 'F', ''),
  rec(5, 'stdout', 'F', 'five'),
]);

async function tempLog(t: { after(fn: () => Promise<void>): void }, content: Buffer, rotated?: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-read-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  await writeFile(path, content);
  if (rotated) await writeFile(`${path}.1`, rotated);
  return path;
}

async function collect(path: string, options: ReadLogsOptions): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  await readLogs(path, out, options);
  return text;
}

test('readLogs honours tailLines, sinceTime, timestamps and limitBytes', async (t) => {
  const path = await tempLog(t, LOG);
  const table: [string, ReadLogsOptions, string][] = [
    ['everything', {}, 'one\ntwo\nthree\n\nfive\n'],
    ['tail 2', { tailLines: 2 }, '\nfive\n'],
    ['tail 0', { tailLines: 0 }, ''],
    ['tail beyond', { tailLines: 50 }, 'one\ntwo\nthree\n\nfive\n'],
    ['since', { sinceTime: new Date('2026-11-26T12:00:03Z') }, 'three\n\nfive\n'],
    ['since + tail', { sinceTime: new Date('2026-11-26T12:00:02Z'), tailLines: 3 }, 'three\n\nfive\n'],
    ['timestamps', { tailLines: 1, timestamps: true }, '2026-11-26T12:00:05.000000001Z five\n'],
    ['limitBytes', { limitBytes: 6 }, 'one\ntw'],
  ];
  for (const [name, options, want] of table) assert.equal(await collect(path, options), want, name);
});

test('readLogs reads the rotated part before the current file', async (t) => {
  const path = await tempLog(t, rec(9, 'stdout', 'F', 'new'), rec(8, 'stdout', 'F', 'old'));
  assert.equal(await collect(path, {}), 'old\nnew\n');
  assert.equal(await collect(path, { tailLines: 1 }), 'new\n');
});

test('readLogs reports a missing log file', async (t) => {
  const path = await tempLog(t, LOG);
  await assert.rejects(collect(`${path}.nope`, {}), LogNotFoundError);
});

test('follow streams new records, across a rotation, until the container exits', async (t) => {
  const path = await tempLog(t, rec(1, 'stdout', 'F', 'first'));
  let running = true;
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const waitForText = async (want: string) => {
    while (!text.endsWith(want)) await new Promise((r) => out.once('data', r));
  };
  const reading = readLogs(path, out, { follow: true, containerRunning: () => running });
  await waitForText('first\n');
  await appendFile(path, Buffer.concat([rec(2, 'stdout', 'P', 'sh$ ')]));
  await waitForText('sh$ ');
  await appendFile(path, Buffer.concat([rec(3, 'stdout', 'F', 'ls'), rec(4, 'stderr', 'F', 'err')]));
  await waitForText('err\n');
  await rename(path, `${path}.1`);
  await writeFile(path, rec(5, 'stdout', 'F', 'after rotation'));
  await waitForText('after rotation\n');
  await appendFile(path, rec(6, 'stdout', 'F', 'last words'));
  running = false;
  await reading;
  assert.equal(text, 'first\nsh$ ls\nerr\nafter rotation\nlast words\n');
});

test('follow stops when the client goes away', async (t) => {
  const path = await tempLog(t, LOG);
  const out = new PassThrough();
  out.resume();
  const controller = new AbortController();
  const reading = readLogs(path, out, { follow: true, containerRunning: () => true, signal: controller.signal });
  controller.abort();
  await reading;
});

test('readLogs can split stdout and stderr to separate outputs', async (t) => {
  const path = await tempLog(t, LOG);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  await readLogs(path, { stdout, stderr });
  assert.equal(out, 'one\nthree\n\nfive\n');
  assert.equal(err, 'two\n');
});
