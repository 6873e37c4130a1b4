/**
 * The datastore export file: JSON lines, one record a line, so that it streams both ways and
 * `grep`/`jq` read it.
 *
 * ```
 * {"format":"skiff-datastore","version":1,"revision":812,"exportedAt":"2026-11-26T15:00:00.000Z"}
 * {"key":"/bootstrap/cluster","value":"{...}"}
 * {"key":"/registry/namespaces/default","value":"{...}"}
 * {"end":true,"count":2}
 * ```
 *
 * The header names the format, its version and the revision every entry was read at; entries
 * come in key order, each key once, holding the value verbatim; the trailer counts them, so a
 * file cut short (a full disk, an interrupted copy) is told apart from a complete one.
 * Revisions are not carried: the target store gives every key a new one.
 */

export const EXPORT_FORMAT = 'skiff-datastore';
export const EXPORT_VERSION = 1;

/** The first line. */
export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** The source's revision the entries were read at. */
  revision: number;
  exportedAt: string;
}

/** One key and its value. */
export interface ExportEntry {
  key: string;
  value: string;
}

/** The last line. */
export interface ExportTrailer {
  end: true;
  count: number;
}

/** The file is not a complete export this version can read; `line` is 1-based. */
export class InvalidExportError extends Error {
  constructor(readonly line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'InvalidExportError';
  }
}

/** One record as a line, newline included. */
export function formatRecord(record: ExportHeader | ExportEntry | ExportTrailer): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * Checks the lines of an export file and hands each entry to `onEntry` as it goes.
 * @returns the header and the number of entries
 * @throws InvalidExportError at the first line out of place; a file without its trailer (cut
 * short) fails after every entry present was handed over, so callers that must not act on a
 * partial file read it through once with a no-op `onEntry` first
 */
export async function readExport(
  lines: AsyncIterable<string>,
  onEntry: (entry: ExportEntry) => void | Promise<void>,
): Promise<{ header: ExportHeader; count: number }> {
  let header: ExportHeader | undefined;
  let trailer: ExportTrailer | undefined;
  let count = 0;
  let lastKey: string | undefined;
  let n = 0;
  for await (const line of lines) {
    n++;
    if (trailer) throw new InvalidExportError(n, 'content after the end record');
    if (line === '' && n > 1) throw new InvalidExportError(n, 'empty line');
    const record = parseLine(line, n);
    if (!header) {
      header = asHeader(record, n);
      continue;
    }
    if (record.end === true) {
      if (record.count !== count) throw new InvalidExportError(n, `the end record counts ${String(record.count)} entries, the file holds ${count}`);
      trailer = { end: true, count };
      continue;
    }
    if (typeof record.key !== 'string' || typeof record.value !== 'string' || Object.keys(record).length !== 2) {
      throw new InvalidExportError(n, 'expected {"key": string, "value": string}');
    }
    if (lastKey !== undefined && record.key <= lastKey) throw new InvalidExportError(n, `key ${record.key} out of order or repeated`);
    lastKey = record.key;
    count++;
    await onEntry({ key: record.key, value: record.value });
  }
  if (!header) throw new InvalidExportError(1, 'empty file: not a datastore export');
  if (!trailer) throw new InvalidExportError(n + 1, `the file ends without its end record after ${count} entries: it was cut short`);
  return { header, count };
}

function parseLine(line: string, n: number): Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    throw new InvalidExportError(n, 'not a JSON record');
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new InvalidExportError(n, 'not a JSON object');
  return record as Record<string, unknown>;
}

function asHeader(record: Record<string, unknown>, n: number): ExportHeader {
  if (record.format !== EXPORT_FORMAT) throw new InvalidExportError(n, `not a datastore export (expected format "${EXPORT_FORMAT}")`);
  if (record.version !== EXPORT_VERSION) throw new InvalidExportError(n, `export version ${String(record.version)} is not supported (this Skiff reads version ${EXPORT_VERSION})`);
  if (typeof record.revision !== 'number') throw new InvalidExportError(n, 'the header has no revision');
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, revision: record.revision, exportedAt: String(record.exportedAt ?? '') };
}
