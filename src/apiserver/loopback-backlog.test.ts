import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenLoopback } from './loopback.ts';

/** Connections opened in one burst: past node's default accept queue of 511. */
const BURST = 1000;

async function openFilesLimit(): Promise<number> {
  const line = (await readFile('/proc/self/limits', 'utf8')).split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 0);
}

test('a burst of loopback connections, opened before the server accepts any, is served in full (none refused with EAGAIN)', async (t) => {
  // Both ends of every connection are in this process.
  if ((await openFilesLimit()) < 2 * BURST + 200) return t.skip(`needs ${2 * BURST + 200} open files`);
  const dir = await mkdtemp(join(tmpdir(), 'skiff-loopback-'));
  const server = createServer((_req, res) => res.end('ok'));
  const listener = await listenLoopback(server, join(dir, 'loopback.sock'));
  assert.ok(listener);
  try {
    const answers = await Promise.allSettled(
      Array.from({ length: BURST }, () => {
        const socket = listener.connect();
        return new Promise<string>((resolve, reject) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
          socket.write('GET / HTTP/1.1\r\nHost: loopback\r\nConnection: close\r\n\r\n');
        });
      }),
    );
    const refused = answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason?.code ?? a));
    assert.deepEqual(refused, []);
    assert.ok(answers.every((a) => a.status === 'fulfilled' && a.value.startsWith('HTTP/1.1 200')));
  } finally {
    await listener.close();
    await rm(dir, { recursive: true, force: true });
  }
});
