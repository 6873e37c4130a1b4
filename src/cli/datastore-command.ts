/**
 * `skiff datastore export FILE` and `skiff datastore import FILE`: move a cluster's state
 * between datastores (SQLite → etcd, or into a fresh file). Export reads one consistent
 * revision, so it may run beside live servers, though writes made after it started are not in
 * the file: stop the servers first to move a cluster. Import takes only an empty datastore, and
 * runs before any server starts on it. Progress goes to stderr; a failure is one line and exit 1.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Store } from '../storage/index.ts';
import { defaultDataDir } from './data-dir.ts';

interface DatastoreFlags {
  dataDir: string;
  datastoreEndpoint?: string;
  datastoreCafile?: string;
  datastoreCertfile?: string;
  datastoreKeyfile?: string;
}

/** Adds `datastore export` and `datastore import` to `program`. */
export function registerDatastoreCommands(program: Command): void {
  const datastore = program.command('datastore').description("move a cluster's state between datastores (SQLite, etcd)");
  withDatastoreFlags(datastore.command('export <file>'))
    .description('write every key of the datastore to FILE (JSON lines); FILE must not exist')
    .action((file: string, flags: DatastoreFlags) => run(flags, (store) => exportTo(store, file)));
  withDatastoreFlags(datastore.command('import <file>'))
    .description('load FILE (made by "datastore export") into an empty datastore, before any server starts on it')
    .action((file: string, flags: DatastoreFlags) => run(flags, (store) => importFrom(store, file)));
}

function withDatastoreFlags(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'data directory whose SQLite datastore is used when no endpoint is given', defaultDataDir())
    .option('--datastore-endpoint <url>', 'sqlite://PATH (default DATA_DIR/server/state.db), etcd://host:port,... or https://host:port,...')
    .option('--datastore-cafile <file>', "CA that signed the etcd members' certificates (https:// endpoints)")
    .option('--datastore-certfile <file>', 'client certificate for etcd (https:// endpoints)')
    .option('--datastore-keyfile <file>', 'private key of --datastore-certfile');
}

async function run(flags: DatastoreFlags, work: (store: Store) => Promise<string>): Promise<void> {
  let store: Store | undefined;
  try {
    const { openStore } = await import('../storage/index.ts');
    store = await openStore(flags.datastoreEndpoint ?? `sqlite://${join(flags.dataDir, 'server', 'state.db')}`, {
      tls: { caFile: flags.datastoreCafile, certFile: flags.datastoreCertfile, keyFile: flags.datastoreKeyfile },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${await work(store)}\n`);
    await store.close();
  } catch (err) {
    await store?.close().catch(() => {});
    process.stderr.write(`skiff: error: ${explain(err)}\n`);
    process.exit(1);
  }
}

async function exportTo(store: Store, file: string): Promise<string> {
  const { exportStore } = await import('../storage/export.ts');
  // 'wx': never overwrite an earlier export by mistake.
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  const opened = new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
  await opened;
  try {
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    const { revision, count } = await Promise.race([exportStore(store, out, { onProgress: progress('exported') }), failed]);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return `exported ${count} keys (revision ${revision}) to ${file}`;
  } catch (err) {
    out.destroy();
    await rm(file, { force: true });
    throw err;
  }
}

async function importFrom(store: Store, file: string): Promise<string> {
  const { importStore } = await import('../storage/export-import.ts');
  const lines = () => createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  const { header, count } = await importStore(store, lines, { onProgress: progress('imported') });
  return `imported ${count} keys from ${file} (exported at revision ${header.revision}, ${header.exportedAt})`;
}

/** Prints a running count to stderr, at most once a second. */
function progress(verb: string): (count: number) => void {
  let last = Date.now();
  return (count) => {
    if (Date.now() - last < 1000) return;
    last = Date.now();
    process.stderr.write(`${verb} ${count} keys\n`);
  };
}

function explain(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EEXIST') return `${e.path} already exists: choose another file name or remove it`;
  if (e.code === 'ENOENT') return `${e.path ?? 'file'} does not exist`;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `cannot access ${e.path}: permission denied`;
  return e instanceof Error ? e.message : String(err);
}
