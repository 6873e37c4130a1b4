import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { applyDurablePragmas } from './sqlite-log.ts';

/**
 * The ceiling for the API server's create rate: plain SQLite inserts into a fresh file at
 * `path`, one transaction (one fsync) each, with the same durability pragmas as the store.
 * The benchmark prints the API server's rate as a ratio of this one.
 */
export function measureRawInserts(path: string, count: number): { perSecond: number } {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    applyDurablePragmas(db);
    db.exec('CREATE TABLE IF NOT EXISTS baseline (id INTEGER PRIMARY KEY, name TEXT NOT NULL, value TEXT NOT NULL)');
    const insert = db.prepare<[string, string]>('INSERT INTO baseline (name, value) VALUES (?, ?)');
    const value = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', data: { key: 'x'.repeat(200) } });
    const started = performance.now();
    for (let i = 0; i < count; i++) insert.run(`/registry/baseline/${i}`, value);
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: count / seconds };
  } finally {
    db.close();
  }
}
