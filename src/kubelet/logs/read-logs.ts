/**
 * Reads a container's CRI log as `kubectl logs` shows it: the records' content with `P`
 * pieces joined into their lines, optionally prefixed by each line's timestamp, limited by
 * `sinceTime`, `tailLines` and `limitBytes`, and — with `follow` — kept open, streaming what
 * the container prints until it exits. The rotated-out part (`N.log.1`, see
 * rotating-log-file.ts) is read before the current file, and a follower moves on to the new
 * file when the logger rotates.
 */
import { watch } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { parseNanos, parseRecord, splitLines, type LogRecord, type LogStream } from './cri-log-format.ts';
import { rotatedPath } from './rotating-log-file.ts';

export interface ReadLogsOptions {
  /** Keep streaming new output until `containerRunning` says the container has exited. */
  follow?: boolean;
  /** Only the last N lines (of those after `sinceTime`). */
  tailLines?: number;
  /** Only lines logged at or after this time. */
  sinceTime?: Date;
  /** Prefix each line with its RFC 3339 timestamp (nine fractional digits) and a space. */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /**
   * Asked by a follower that has read everything; false ends the stream once the rest of the
   * file is out. Default: never running, so `follow` without it behaves like a plain read.
   */
  containerRunning?: () => boolean | Promise<boolean>;
  /** Ends a follow early (the client went away). */
  signal?: AbortSignal;
  /**
   * Called once what the log held at the start has been written and following begins: from
   * then on nothing the container prints is missed (attach sends input only after this).
   */
  onFollowing?: () => void;
}

/** Thrown when the log file does not exist (the container never ran, or no previous attempt). */
export class LogNotFoundError extends Error {
  constructor(readonly logPath: string) {
    super(`log file ${logPath} does not exist`);
    this.name = 'LogNotFoundError';
  }
}

/** How often a follower looks again when the file watcher stays silent (rotation, missed events). */
const FOLLOW_RECHECK_MS = 1000;
const READ_CHUNK = 64 * 1024;

/** A log line in the making: records of one stream up to its `F` record. */
interface Line {
  timestamp: string;
  stream: LogStream;
  pieces: Buffer[];
  complete: boolean;
}

/** Where lines go: one output for both streams (`kubectl logs`), or one per stream (`kubectl attach`). */
export type LogOutput = Writable | Record<LogStream, Writable>;

/** Writes the log at `logPath` to `out` as the options say; resolves when done (never ends `out`). */
export async function readLogs(logPath: string, out: LogOutput, options: ReadLogsOptions = {}): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(logPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LogNotFoundError(logPath);
    throw err;
  }
  const output = new LimitedOutput(out, options.limitBytes, options.signal);
  try {
    const rotated = await readWhole(rotatedPath(logPath));
    let ino = (await file.stat()).ino;
    let offset = 0;
    const current = await readFrom(file, offset);
    offset += current.length;
    const { lines: raw, rest } = splitLines(Buffer.concat([rotated, current]));
    let partialRaw = rest;
    const emitter = new LineEmitter(output, options.timestamps ?? false);
    await emitter.emitInitial(groupLines(raw.map(parseRecord).filter((r): r is LogRecord => !!r)), options);
    if (!options.follow) return;
    options.onFollowing?.();

    const running = options.containerRunning ?? (() => false);
    let exited = false;
    while (!output.finished) {
      const chunk = await readFrom(file, offset);
      if (chunk.length > 0) {
        offset += chunk.length;
        const { lines, rest: more } = splitLines(Buffer.concat([partialRaw, chunk]));
        partialRaw = more;
        for (const line of lines) {
          const record = parseRecord(line);
          if (record) await emitter.emitRecord(record);
        }
        continue;
      }
      const now = await stat(logPath).catch(() => undefined);
      if (now && now.ino !== ino) {
        // Rotated: the old file is read to its end, carry on at the start of the new one.
        await file.close();
        file = await open(logPath, 'r');
        ino = (await file.stat()).ino;
        offset = 0;
        partialRaw = Buffer.alloc(0);
        continue;
      }
      // One more pass after the container exited picks up its last words.
      if (exited) return;
      if (!(await running())) {
        exited = true;
        continue;
      }
      await changeOf(logPath, options.signal);
    }
  } finally {
    await file.close();
  }
}

/** Joins `P` records to the `F` record that ends their line, per stream, in order of each line's start. */
export function groupLines(records: LogRecord[]): Line[] {
  const lines: Line[] = [];
  const open = new Map<LogStream, Line>();
  for (const r of records) {
    let line = open.get(r.stream);
    if (!line) {
      line = { timestamp: r.timestamp, stream: r.stream, pieces: [], complete: false };
      lines.push(line);
      open.set(r.stream, line);
    }
    line.pieces.push(r.content);
    if (r.complete) {
      line.complete = true;
      open.delete(r.stream);
    }
  }
  return lines;
}

/** Writes lines, then the records a follower reads, keeping track of lines begun but not ended. */
class LineEmitter {
  /** Streams whose current line has been started on the output (its prefix written). */
  private readonly started = new Set<LogStream>();
  /** Streams whose current line was left out (before sinceTime or the tail): its rest is skipped too. */
  private readonly skipped = new Set<LogStream>();

  constructor(
    private readonly out: LimitedOutput,
    private readonly timestamps: boolean,
  ) {}

  async emitInitial(lines: Line[], options: ReadLogsOptions): Promise<void> {
    const since = options.sinceTime ? BigInt(options.sinceTime.getTime()) * 1_000_000n : undefined;
    let wanted = since === undefined ? lines : lines.filter((l) => (parseNanos(l.timestamp) ?? 0n) >= since);
    if (options.tailLines !== undefined) wanted = options.tailLines > 0 ? wanted.slice(-options.tailLines) : [];
    const shown = new Set(wanted);
    for (const line of lines) {
      if (!line.complete && !shown.has(line)) this.skipped.add(line.stream);
    }
    for (const line of wanted) {
      if (this.out.finished) return;
      await this.out.write(line.stream, Buffer.concat([this.prefix(line.timestamp), ...line.pieces, line.complete ? NEWLINE : EMPTY]));
      if (!line.complete) this.started.add(line.stream);
    }
  }

  async emitRecord(r: LogRecord): Promise<void> {
    if (this.skipped.has(r.stream)) {
      if (r.complete) this.skipped.delete(r.stream);
      return;
    }
    const prefix = this.started.has(r.stream) ? EMPTY : this.prefix(r.timestamp);
    if (r.complete) this.started.delete(r.stream);
    else this.started.add(r.stream);
    await this.out.write(r.stream, Buffer.concat([prefix, r.content, r.complete ? NEWLINE : EMPTY]));
  }

  private prefix(timestamp: string): Buffer {
    return this.timestamps ? Buffer.from(`${timestamp} `) : EMPTY;
  }
}

const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

/** The output side: honours limitBytes, waits for drain, and notices a client that went away. */
class LimitedOutput {
  private written = 0;
  private closed = false;
  private readonly outputs: Record<LogStream, Writable>;

  constructor(
    out: LogOutput,
    private readonly limit: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.outputs = 'write' in out ? { stdout: out as Writable, stderr: out as Writable } : out;
    for (const o of new Set(Object.values(this.outputs))) o.once('close', () => (this.closed = true));
  }

  get finished(): boolean {
    return (
      this.closed ||
      this.outputs.stdout.destroyed ||
      this.outputs.stderr.destroyed ||
      !!this.signal?.aborted ||
      (this.limit !== undefined && this.written >= this.limit)
    );
  }

  async write(stream: LogStream, data: Buffer): Promise<void> {
    if (this.finished || data.length === 0) return;
    const out = this.outputs[stream];
    const room = this.limit === undefined ? data.length : Math.min(data.length, this.limit - this.written);
    this.written += room;
    if (!out.write(data.subarray(0, room))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
    }
  }
}

async function readWhole(path: string): Promise<Buffer> {
  try {
    const file = await open(path, 'r');
    try {
      return await readFrom(file, 0);
    } finally {
      await file.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
    throw err;
  }
}

/** Everything from `offset` to the current end of the file. */
async function readFrom(file: FileHandle, offset: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const buffer = Buffer.alloc(READ_CHUNK);
    const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, offset);
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    offset += bytesRead;
  }
  return Buffer.concat(chunks);
}

/** Resolves when the file changes, after FOLLOW_RECHECK_MS at the latest, or when aborted. */
function changeOf(path: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, FOLLOW_RECHECK_MS);
    try {
      watcher = watch(path, done);
      watcher.on('error', done);
    } catch {
      // The file is being rotated right now: the timer retries.
    }
    signal?.addEventListener('abort', done);
  });
}
