/**
 * Importing an export file into an empty datastore, e.g. to move a cluster from its SQLite
 * file to etcd. The file is read twice: once to check it whole (a file cut short or altered
 * writes nothing), then to write it. Writes go many at a time, since both backends commit
 * concurrent writes together far faster than one by one.
 *
 * A datastore that holds any key is refused: merging two clusters' states would mix their
 * objects and their sealed bootstrap secrets. Empty it first (a new SQLite file, or
 * `etcdctl del "" --from-key`).
 */
import { readExport, type ExportHeader } from './export-format.ts';
import type { Store } from './store.ts';

/** Writes in flight at once. */
const CONCURRENCY = 128;

/** The target datastore already holds keys. */
export class DatastoreNotEmptyError extends Error {
  constructor(readonly keys: number) {
    super(`the target datastore is not empty (it holds ${keys} keys): import only into an empty datastore`);
    this.name = 'DatastoreNotEmptyError';
  }
}

/** Writing failed part way: the datastore holds some of the file's keys. */
export class PartialImportError extends Error {
  constructor(readonly written: number, cause: unknown) {
    super(`import failed after ${written} keys (${cause instanceof Error ? cause.message : String(cause)}): the datastore now holds a partial import; empty it before trying again`, { cause });
    this.name = 'PartialImportError';
  }
}

export interface ImportOptions {
  /** Called now and then with the number of keys written so far. */
  onProgress?: (count: number) => void;
}

/**
 * Imports the export that `lines()` reads (called twice; each call must read the file from
 * its start) into `store`, which must be empty.
 * @throws InvalidExportError, DatastoreNotEmptyError (nothing written), PartialImportError
 */
export async function importStore(
  store: Store,
  lines: () => AsyncIterable<string>,
  options: ImportOptions = {},
): Promise<{ header: ExportHeader; count: number }> {
  const checked = await readExport(lines(), () => {});
  const existing = await store.count('');
  if (existing > 0) throw new DatastoreNotEmptyError(existing);

  const inFlight = new Set<Promise<void>>();
  let written = 0;
  let failure: { err: unknown } | undefined;
  const put = async (key: string, value: string) => {
    try {
      await store.create(key, value);
      written++;
      if (written % 1000 === 0) options.onProgress?.(written);
    } catch (err) {
      failure ??= { err };
    }
  };
  try {
    await readExport(lines(), async ({ key, value }) => {
      if (failure) return;
      const p = put(key, value).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    });
  } catch (err) {
    // The file changed since it was checked.
    failure ??= { err };
  }
  await Promise.all(inFlight);
  if (failure) throw new PartialImportError(written, failure.err);
  options.onProgress?.(written);
  return checked;
}
