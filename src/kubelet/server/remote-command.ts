/**
 * One exec or attach session over an accepted WebSocket: demultiplexes stdin and resize
 * messages from the client, multiplexes the command's stdout and stderr back, and ends with the
 * outcome on the error channel, then a normal close. What runs (runc exec, or the attach to a
 * container's stdin FIFO and log) is the caller's `run`.
 */
import { finished, PassThrough, Writable, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  CLOSE,
  decodeFrame,
  encodeFrame,
  ERROR,
  errorStatus,
  parseResize,
  RESIZE,
  STDERR,
  STDIN,
  STDOUT,
  V5_PROTOCOL,
  type ExecStatus,
  type TerminalSize,
} from './channel-protocol.ts';

/** Which streams the client asked for (the request's stdin/stdout/stderr/tty parameters). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The session's streams, as handed to `run`; absent ones were not requested. */
export interface SessionStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal sizes the client sends (TTY sessions only). */
  resize?: AsyncIterable<TerminalSize>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/**
 * Runs a session on `ws` (already upgraded with `protocol`); resolves once it is over.
 * `run` resolves with the Status to report (exitStatus/errorStatus of channel-protocol.ts); a
 * rejection is reported as a Failure carrying its message.
 */
export async function serveRemoteCommand(
  ws: WebSocket,
  protocol: string,
  options: StreamOptions,
  run: (streams: SessionStreams) => Promise<ExecStatus>,
): Promise<void> {
  const aborter = new AbortController();
  const stdin = options.stdin ? new PassThrough() : undefined;
  const resize = options.tty ? new SizeQueue() : undefined;
  const closeInputs = () => {
    stdin?.end();
    resize?.end();
  };
  ws.on('message', (message: Buffer, isBinary: boolean) => {
    const frame = isBinary ? decodeFrame(message) : undefined;
    if (!frame) return;
    if (frame.channel === STDIN) stdin?.write(frame.data);
    else if (frame.channel === RESIZE) {
      const size = parseResize(frame.data);
      if (size) resize?.push(size);
    } else if (frame.channel === CLOSE && protocol === V5_PROTOCOL && frame.data[0] === STDIN) stdin?.end();
  });
  ws.on('close', () => {
    closeInputs();
    aborter.abort();
  });
  ws.on('error', () => aborter.abort());

  const stdout = options.stdout ? new ChannelWriter(ws, STDOUT) : undefined;
  // A TTY merges stderr into stdout, as the terminal does.
  const stderr = options.stderr && !options.tty ? new ChannelWriter(ws, STDERR) : undefined;
  // Upstream announces the session with an empty message on the lowest channel it will write.
  send(ws, encodeFrame(stdout ? STDOUT : stderr ? STDERR : ERROR, Buffer.alloc(0)));

  let status: ExecStatus;
  try {
    status = await run({ stdin, stdout, stderr, resize, signal: aborter.signal });
  } catch (err) {
    status = errorStatus(err instanceof Error ? err.message : String(err));
  }
  closeInputs();
  await Promise.all([stdout?.finish(), stderr?.finish()]);
  send(ws, encodeFrame(ERROR, JSON.stringify(status)));
  ws.close(1000);
}

function send(ws: WebSocket, data: Buffer, callback?: (err?: Error) => void): void {
  if (ws.readyState !== ws.OPEN) {
    callback?.();
    return;
  }
  ws.send(data, { binary: true }, callback);
}

/** A writable that sends each chunk as a message on one channel; a closed socket swallows output. */
class ChannelWriter extends Writable {
  constructor(
    private readonly ws: WebSocket,
    private readonly channel: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    send(this.ws, encodeFrame(this.channel, chunk), () => callback());
  }

  /** Ends the channel; resolves once everything written has been handed to the socket. */
  finish(): Promise<void> {
    return new Promise((resolve) => {
      finished(this, () => resolve());
      this.end();
    });
  }
}

/** Terminal sizes as they arrive, for `for await`; ends with the session. */
export class SizeQueue implements AsyncIterable<TerminalSize> {
  private readonly queued: TerminalSize[] = [];
  private waiting?: (r: IteratorResult<TerminalSize>) => void;
  private ended = false;

  push(size: TerminalSize): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: size, done: false });
    } else this.queued.push(size);
  }

  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const size = this.queued.shift();
        if (size) return Promise.resolve({ value: size, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}
