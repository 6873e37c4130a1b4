/**
 * Copies containers' stdout and stderr from their FIFOs into CRI-format log files. The runtime
 * gives each container `stdout` and `stderr` FIFOs that the container holds open for writing;
 * no shim sits between them, so containers outlive the kubelet and whatever they print while
 * it is down waits in the FIFO (and blocks the container once the pipe is full) until a
 * restarted kubelet attaches again. A FIFO reaches end-of-file once every writer is gone, that
 * is when the container has exited: the attachment then flushes and finishes on its own.
 */
import { constants, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { formatRecord, RecordClock, splitIntoRecords, type LogStream } from './cri-log-format.ts';
import { DEFAULT_MAX_LOG_BYTES, RotatingLogFile } from './rotating-log-file.ts';

/** A container's output FIFOs. */
export interface ContainerOutputFifos {
  stdoutFifo: string;
  stderrFifo: string;
}

export interface ContainerLoggerOptions {
  /** Rotate a container's log file past this size, keeping one old file (default 10 MiB). */
  maxFileBytes?: number;
  /** Wall clock in milliseconds for record timestamps (default Date.now). */
  now?: () => number;
}

/** One container's log copying. */
export interface LogAttachment {
  logPath: string;
  /** Resolves when both FIFOs reached end-of-file (the container exited) or the attachment was stopped, all written. */
  done: Promise<void>;
}

/** Backlog at which reading pauses until the file catches up. */
const HIGH_WATER_BYTES = 1024 * 1024;

interface Running extends LogAttachment {
  stop(): Promise<void>;
}

export class ContainerLogger {
  private readonly attachments = new Map<string, Running>();
  private readonly maxFileBytes: number;
  private readonly clock: RecordClock;

  constructor(options: ContainerLoggerOptions = {}) {
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.clock = new RecordClock(options.now);
  }

  /**
   * Starts copying a container's output to `logPath` (created with its directory as needed).
   * `source` is the container's directory (holding `stdout` and `stderr` FIFOs) or the FIFOs'
   * paths. Attaching again while an attachment for the same FIFOs runs returns that one, so
   * adoption after a restart and a retried pod sync are both safe.
   */
  async attach(source: string | ContainerOutputFifos, logPath: string): Promise<LogAttachment> {
    const fifos = fifosOf(source);
    const existing = this.attachments.get(fifos.stdoutFifo);
    if (existing) return existing;
    await mkdir(dirname(logPath), { recursive: true, mode: 0o750 });
    const file = new RotatingLogFile(logPath, this.maxFileBytes);
    const readers = openFifos(fifos);
    const streams: LogStream[] = ['stdout', 'stderr'];
    const pauseAll = () => readers.forEach((r) => r.pause());
    const resumeAll = () => readers.forEach((r) => r.resume());

    const ended = readers.map(
      (reader, i) =>
        new Promise<void>((resolve) => {
          reader.on('data', (chunk: Buffer) => {
            const records = splitIntoRecords(chunk).map((r) => formatRecord(this.clock.next(), streams[i], r.complete, r.content));
            const written = file.append(Buffer.concat(records));
            if (file.backlog > HIGH_WATER_BYTES) {
              pauseAll();
              written.finally(() => {
                if (file.backlog <= HIGH_WATER_BYTES) resumeAll();
              });
            }
          });
          reader.on('end', () => resolve());
          reader.on('close', () => resolve());
          // A read error (the FIFO vanished with its container) ends this stream like EOF.
          reader.on('error', () => resolve());
        }),
    );
    const done = Promise.all(ended)
      .then(() => file.close())
      .finally(() => {
        if (this.attachments.get(fifos.stdoutFifo) === running) this.attachments.delete(fifos.stdoutFifo);
      });
    const running: Running = {
      logPath,
      done,
      stop: async () => {
        readers.forEach((r) => r.destroy());
        await done;
      },
    };
    this.attachments.set(fifos.stdoutFifo, running);
    return running;
  }

  /** Stops copying a container's output (it is being removed); what was read is written first. */
  async detach(source: string | ContainerOutputFifos): Promise<void> {
    await this.attachments.get(fifosOf(source).stdoutFifo)?.stop();
  }

  /** Stops every attachment (kubelet shutdown); the containers keep running and their FIFOs buffer. */
  async stop(): Promise<void> {
    await Promise.all([...this.attachments.values()].map((a) => a.stop()));
  }
}

function fifosOf(source: string | ContainerOutputFifos): ContainerOutputFifos {
  return typeof source === 'string' ? { stdoutFifo: join(source, 'stdout'), stderrFifo: join(source, 'stderr') } : source;
}

function openFifos(fifos: ContainerOutputFifos): Socket[] {
  const stdout = openFifo(fifos.stdoutFifo);
  try {
    return [stdout, openFifo(fifos.stderrFifo)];
  } catch (err) {
    stdout.destroy();
    throw err;
  }
}

/**
 * Opens a FIFO for reading without blocking (a blocking open would wait for a writer, and a
 * blocking read would tie up libuv's thread pool); as a socket, libuv polls it instead.
 */
function openFifo(path: string): Socket {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}
