import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite.ts';
import type { WatchEvent } from './store.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const writer = fileURLToPath(new URL('./testdata/crash-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'skiff-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  key: string;
  revision: number;
  value?: string;
  deleted?: true;
}

/** Runs the writer on `path` and kill -9s it once it has acknowledged `killAfter` writes. */
function runAndKill(path: string, run: number, mode: string, killAfter: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path, `${run}`, mode], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acks: Ack[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    acks.push(JSON.parse(line));
    if (acks.length === killAfter) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' comes after stdout is drained: every line the writer printed has been read.
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`crash writer ended by itself (code ${code}) after ${acks.length} writes`));
    });
  });
}

/** Every change in the file, in order, as the store's own watch replays it. */
async function history(store: SqliteStore): Promise<WatchEvent[]> {
  const current = await store.currentRevision();
  const events: WatchEvent[] = [];
  if (current === 0) return events;
  await new Promise<void>((resolve, reject) => {
    const watch = store.watch('/registry/', 0, {
      onEvents(batch) {
        events.push(...batch);
        if (events[events.length - 1].kv.modRevision >= current) {
          watch.cancel();
          resolve();
        }
      },
      onError: reject,
    });
  });
  return events;
}

/**
 * Four times: the writer (in `mode`) is killed at a random point, then the file must hold
 * every write it acknowledged, pass SQLite's integrity check, and replay as an unbroken log.
 */
async function killAndCheck(path: string, mode: string): Promise<void> {
  const acknowledged: Ack[] = [];
  for (let run = 0; run < 4; run++) {
    acknowledged.push(...(await runAndKill(path, run, mode, 20 + Math.floor(Math.random() * 1500))));

    const db = new Database(path);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();

    const store = SqliteStore.open(path);
    try {
      const current = await store.currentRevision();
      for (const ack of acknowledged) {
        assert.ok(ack.revision <= current, `acknowledged revision ${ack.revision} is past the current ${current}`);
        const [found] = (await store.list(ack.key, { revision: ack.revision })).items;
        if (ack.deleted) {
          assert.equal(found, undefined, `${ack.key} deleted at ${ack.revision}`);
        } else {
          assert.deepEqual([found?.value, found?.modRevision], [ack.value, ack.revision], ack.key);
        }
      }

      // The log is whole: one event per revision, each key's chain unbroken.
      const events = await history(store);
      assert.deepEqual(events.map((e) => e.kv.modRevision), Array.from({ length: current }, (_, i) => i + 1));
      const last = new Map<string, WatchEvent>();
      for (const event of events) {
        const before = last.get(event.kv.key);
        if (!before || before.type === 'DELETE') {
          assert.equal(event.type, 'PUT', `${event.kv.key} changed before it was created`);
          assert.equal(event.prevKv, undefined);
        } else {
          assert.equal(event.prevKv?.modRevision, before.kv.modRevision, `${event.kv.key} chain`);
          assert.equal(event.prevKv?.value, before.kv.value);
        }
        last.set(event.kv.key, event);
      }
    } finally {
      await store.close();
    }
  }
}

test('kill -9 mid-write loses no acknowledged write and leaves a consistent log', { timeout: 120_000 }, async () => {
  await killAndCheck(join(dir, 'writers', 'state.db'), 'writers');
});

test('kill -9 while commits hold many writes each loses none of those acknowledged', { timeout: 120_000 }, async () => {
  await killAndCheck(join(dir, 'bursts', 'state.db'), 'bursts');
});
