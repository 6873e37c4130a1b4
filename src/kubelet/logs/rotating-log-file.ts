/**
 * An append-only log file that rotates by size. Rotation scheme (one old file, as upstream's
 * containerLogMaxFiles=2): when appending a batch would take `N.log` past `maxBytes`, `N.log`
 * is renamed to `N.log.1` (replacing an older one) and a fresh `N.log` is started. Readers that
 * want everything read `N.log.1` then `N.log`; a follower notices the rename by the inode change.
 */
import { open, rename, stat, type FileHandle } from 'node:fs/promises';

/** Upstream's default containerLogMaxSize. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;

/** The rotated-out previous part of a log file. */
export function rotatedPath(logPath: string): string {
  return `${logPath}.1`;
}

export class RotatingLogFile {
  readonly path: string;
  private readonly maxBytes: number;
  private file?: FileHandle;
  private size = 0;
  /** Writes run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private pendingBytes = 0;

  /** @param maxBytes rotate before the file would grow past this (default 10 MiB) */
  constructor(path: string, maxBytes = DEFAULT_MAX_LOG_BYTES) {
    this.path = path;
    this.maxBytes = maxBytes;
  }

  /** Bytes queued and not yet written: callers pause their sources when this grows. */
  get backlog(): number {
    return this.pendingBytes;
  }

  /** Queues `data` (whole records) for appending; resolves once written. */
  append(data: Buffer): Promise<void> {
    this.pendingBytes += data.length;
    const written = this.chain.then(async () => {
      try {
        await this.write(data);
      } finally {
        this.pendingBytes -= data.length;
      }
    });
    this.chain = written.catch(() => undefined);
    return written;
  }

  /** Waits for queued writes and closes the file. */
  async close(): Promise<void> {
    await this.chain;
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }

  private async write(data: Buffer): Promise<void> {
    if (!this.file) await this.openCurrent();
    if (this.size > 0 && this.size + data.length > this.maxBytes) await this.rotate();
    await this.file!.write(data);
    this.size += data.length;
  }

  private async openCurrent(): Promise<void> {
    this.file = await open(this.path, 'a', 0o640);
    // A kubelet restarted on an existing log appends to it, rotating on the true size.
    this.size = (await stat(this.path)).size;
  }

  private async rotate(): Promise<void> {
    await this.file!.close();
    this.file = undefined;
    await rename(this.path, rotatedPath(this.path));
    await this.openCurrent();
  }
}
