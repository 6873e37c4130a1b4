/**
 * The CRI container log format (upstream's /var/log/pods files), one record a line:
 * `2026-11-26T12:00:00.123456789Z stdout F text`. The tag is `F` for a record that ends a line
 * of the container's output and `P` for a piece of a line whose rest follows in later records
 * of the same stream (a long line, or output not yet ended by a newline such as a shell prompt).
 */

export type LogStream = 'stdout' | 'stderr';

/** One record of a CRI log file. */
export interface LogRecord {
  /** RFC 3339 with nine fractional digits, as written. */
  timestamp: string;
  stream: LogStream;
  /** False for a `P` record: the line continues in the next record of the same stream. */
  complete: boolean;
  content: Buffer;
}

/** Longest content a record carries; longer lines are split into `P` records, as upstream's 16 KiB reader does. */
export const MAX_RECORD_CONTENT = 16 * 1024;

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** Formats one record, newline included. */
export function formatRecord(timestamp: string, stream: LogStream, complete: boolean, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp} ${stream} ${complete ? 'F' : 'P'} `), content, Buffer.from('\n')]);
}

/** Parses one record (without its newline); undefined when the line is not a CRI record. */
export function parseRecord(line: Buffer): LogRecord | undefined {
  const first = line.indexOf(SPACE);
  const second = first < 0 ? -1 : line.indexOf(SPACE, first + 1);
  if (second < 0) return undefined;
  const tagEnd = line.indexOf(SPACE, second + 1);
  const stream = line.subarray(first + 1, second).toString();
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tags = line.subarray(second + 1, tagEnd < 0 ? line.length : tagEnd).toString();
  // The tag field may carry more tags after a ':' (`P:x`); only the first says partial or full.
  const complete = tags.split(':')[0] !== 'P';
  return {
    timestamp: line.subarray(0, first).toString(),
    stream,
    complete,
    content: tagEnd < 0 ? Buffer.alloc(0) : line.subarray(tagEnd + 1),
  };
}

/**
 * Splits a chunk of a container's output into records, carrying nothing over: a trailing piece
 * without newline becomes a `P` record at once so that a reader following the log (`kubectl
 * attach`, `logs -f`) sees a prompt as soon as the container prints it.
 */
export function splitIntoRecords(chunk: Buffer): { content: Buffer; complete: boolean }[] {
  const out: { content: Buffer; complete: boolean }[] = [];
  let start = 0;
  while (start < chunk.length) {
    const nl = chunk.indexOf(NEWLINE, start);
    const end = nl < 0 ? chunk.length : nl;
    for (let at = start; at < end || at === start; at += MAX_RECORD_CONTENT) {
      const pieceEnd = Math.min(at + MAX_RECORD_CONTENT, end);
      const last = pieceEnd === end;
      out.push({ content: chunk.subarray(at, pieceEnd), complete: last && nl >= 0 });
      if (last) break;
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/** Splits a buffer of log file bytes into whole lines and the unterminated rest. */
export function splitLines(data: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = data.indexOf(NEWLINE, start);
    if (nl < 0) break;
    lines.push(data.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, rest: data.subarray(start) };
}

/**
 * A clock for record timestamps: wall-clock milliseconds refined with the monotonic clock to
 * nanoseconds, never going backwards, so records of one file keep their order under
 * `--since-time` and `--timestamps`.
 */
export class RecordClock {
  private last = 0n;
  private readonly now: () => number;

  /** @param now wall clock in milliseconds (default Date.now) */
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** The next timestamp, e.g. `2026-11-26T12:00:00.123456789Z`. */
  next(): string {
    const subMillisecond = process.hrtime.bigint() % 1_000_000n;
    let ns = BigInt(this.now()) * 1_000_000n + subMillisecond;
    if (ns <= this.last) ns = this.last + 1n;
    this.last = ns;
    return formatNanos(ns);
  }
}

/** RFC 3339 with exactly nine fractional digits (upstream's RFC3339NanoFixed), UTC. */
export function formatNanos(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2026-11-26T12:00:00.123Z
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

/** Parses an RFC 3339 timestamp with up to nine fractional digits into nanoseconds since the epoch. */
export function parseNanos(timestamp: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
