/**
 * The raw throughput of each storage backend, without Skiff in between: what the storage
 * benchmark divides the API server's figures by. Same operations, same object size and the
 * same number of requests in flight as the API phases.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { applyDurablePragmas } from '../src/storage/sqlite-log.ts';
import { runLoad, type LoadResult } from './load.ts';

/** One figure per operation: create, get, list (of every object), update. */
export type Rates = Record<'create' | 'get' | 'list' | 'update', LoadResult>;

export interface RawOptions {
  objects: number;
  lists: number;
  concurrency: number;
  /** The stored value (a ConfigMap's JSON, as the API server would write it). */
  value: string;
  budgetMs: number;
}

/**
 * better-sqlite3 on a fresh file with the store's durability pragmas: one transaction (one
 * fsync) per insert and per update, point selects, and a full range select per list. SQLite is
 * synchronous, so "in flight" is always one; the figure is the single-writer ceiling.
 */
export async function rawSqlite(path: string, o: RawOptions): Promise<Rates> {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    applyDurablePragmas(db);
    db.exec('CREATE TABLE kv (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const insert = db.prepare<[string, string]>('INSERT INTO kv (name, value) VALUES (?, ?)');
    const select = db.prepare<[string]>('SELECT value FROM kv WHERE name = ?');
    const range = db.prepare<[string, string]>('SELECT name, value FROM kv WHERE name >= ? AND name < ? ORDER BY name');
    const update = db.prepare<[string, string]>('UPDATE kv SET value = ? WHERE name = ?');
    const key = (i: number) => `/registry/configmaps/bench/cm-${String(i).padStart(5, '0')}`;
    const budget = { budgetMs: o.budgetMs };
    const create = await runLoad(o.objects, 1, async (i) => void insert.run(key(i), o.value), budget);
    const get = await runLoad(create.ops, 1, async (i) => {
      if (!select.get(key(i))) throw new Error(`${key(i)} missing`);
    }, budget);
    const list = await runLoad(o.lists, 1, async () => {
      if (range.all('/registry/configmaps/bench/', '/registry/configmaps/bench0').length !== create.ops) throw new Error('short list');
    }, budget);
    const updated = await runLoad(create.ops, 1, async (i) => void update.run(o.value.replace('"v', '"u'), key(i)), budget);
    return { create, get, list, update: updated };
  } finally {
    db.close();
  }
}

/** The etcd3 client talking to `hosts` directly: puts, gets, a prefix range per list, puts again. */
export async function rawEtcd(hosts: string[], o: RawOptions): Promise<Rates> {
  const client = new Etcd3({ hosts });
  try {
    const key = (i: number) => `/bench-raw/configmaps/bench/cm-${String(i).padStart(5, '0')}`;
    const budget = { budgetMs: o.budgetMs };
    const create = await runLoad(o.objects, o.concurrency, async (i) => void (await client.put(key(i)).value(o.value)), budget);
    const get = await runLoad(create.ops, o.concurrency, async (i) => {
      if ((await client.get(key(i)).string()) === null) throw new Error(`${key(i)} missing`);
    }, budget);
    const list = await runLoad(o.lists, o.concurrency, async () => {
      const items = await client.getAll().prefix('/bench-raw/configmaps/bench/').strings();
      if (Object.keys(items).length !== create.ops) throw new Error('short list');
    }, budget);
    const update = await runLoad(create.ops, o.concurrency, async (i) => void (await client.put(key(i)).value(o.value.replace('"v', '"u'))), budget);
    return { create, get, list, update };
  } finally {
    client.close();
  }
}
