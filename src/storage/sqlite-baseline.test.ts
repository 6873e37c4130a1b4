import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { measureRawInserts } from './sqlite-baseline.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-baseline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the baseline inserts every row into a durable WAL file and reports a rate', () => {
  const path = join(dir, 'bench', 'raw.db');
  const { perSecond } = measureRawInserts(path, 50);
  assert.ok(Number.isFinite(perSecond) && perSecond > 0);
  const db = new Database(path, { readonly: true });
  assert.equal(db.prepare('SELECT COUNT(*) FROM baseline').pluck().get(), 50);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});
