/**
 * Exporting a datastore: every key with its current value, read page by page at one revision
 * (a consistent snapshot even while servers keep writing, as long as that revision is not
 * compacted meanwhile), streamed to a writable in the format of export-format.ts.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EXPORT_FORMAT, EXPORT_VERSION, formatRecord } from './export-format.ts';
import type { Store } from './store.ts';

/** Keys read per list call: bounds memory whatever the datastore's size. */
const PAGE_SIZE = 500;

export interface ExportOptions {
  /** Called after each page with the number of keys written so far. */
  onProgress?: (count: number) => void;
  /** The header's timestamp (default: now). */
  now?: Date;
}

/**
 * Writes every key of `store` to `out` (which is left open).
 * @returns the revision the keys were read at and how many were written
 * @throws CompactedError when that revision is compacted before the last page is read
 */
export async function exportStore(store: Store, out: Writable, options: ExportOptions = {}): Promise<{ revision: number; count: number }> {
  let page = await store.list('', { limit: PAGE_SIZE });
  const revision = page.revision;
  await write(out, formatRecord({ format: EXPORT_FORMAT, version: EXPORT_VERSION, revision, exportedAt: (options.now ?? new Date()).toISOString() }));
  let count = 0;
  for (;;) {
    for (const kv of page.items) await write(out, formatRecord({ key: kv.key, value: kv.value }));
    count += page.items.length;
    options.onProgress?.(count);
    if (!page.more) break;
    // The smallest key after the last one: startKey is inclusive.
    const startKey = `${page.items[page.items.length - 1].key}\u0000`;
    page = await store.list('', { revision, limit: PAGE_SIZE, startKey });
  }
  await write(out, formatRecord({ end: true, count }));
  return { revision, count };
}

/** Honours backpressure, so a slow disk does not make the whole datastore pile up in memory. */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
