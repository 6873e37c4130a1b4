/**
 * Exec and attach over SPDY (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version:
 * v4.channel.k8s.io`): what kubectl before 1.30, and 1.32 with
 * KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false, speak. The client opens one stream per channel,
 * named by its `streamType` header — error, and stdin/stdout/stderr/resize as requested — and
 * the session starts once all have arrived. stdin ends when the client half-closes its stream;
 * resize carries one JSON size after another; the outcome goes on the error stream as a v1
 * Status, after which every stream is closed.
 */
import type { Duplex } from 'node:stream';
import { errorStatus, parseResize, V4_PROTOCOL, type ExecStatus } from './channel-protocol.ts';
import { SizeQueue, type SessionStreams, type StreamOptions } from './remote-command.ts';
import { SpdyServerSession, type SpdyStream } from './spdy-session.ts';

/** What this side speaks over SPDY (older protocol versions report errors as plain text). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = [V4_PROTOCOL];
/** Upstream gives the client this long to open all its streams. */
const STREAMS_TIMEOUT_MS = 30_000;

/** The `HTTP/1.1 101` answer that switches the connection to SPDY with `protocol`. */
export function spdyUpgradeResponse(protocol: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`;
}

/**
 * Runs a session on `socket` (already answered with spdyUpgradeResponse); resolves once it is
 * over. `run` as for serveRemoteCommand.
 */
export async function serveSpdyRemoteCommand(
  socket: Duplex,
  options: StreamOptions,
  run: (streams: SessionStreams) => Promise<ExecStatus>,
): Promise<void> {
  const session = new SpdyServerSession((bytes) => {
    if (!socket.destroyed) socket.write(bytes);
  });
  const aborter = new AbortController();
  socket.on('data', (chunk: Buffer) => session.receive(chunk));
  socket.on('close', () => {
    session.close();
    aborter.abort();
  });
  const wanted = ['error', ...(options.stdin ? ['stdin'] : []), ...(options.stdout ? ['stdout'] : []), ...(options.stderr && !options.tty ? ['stderr'] : []), ...(options.tty ? ['resize'] : [])];
  const streams = await new Promise<Map<string, SpdyStream> | undefined>((resolve) => {
    const got = new Map<string, SpdyStream>();
    const timer = setTimeout(() => resolve(undefined), STREAMS_TIMEOUT_MS);
    session.on('stream', (stream: SpdyStream) => {
      stream.on('error', () => undefined);
      got.set(stream.headers.streamtype ?? '', stream);
      if (wanted.every((type) => got.has(type))) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    session.on('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (!streams) {
    socket.destroy();
    return;
  }
  const error = streams.get('error')!;
  error.resume();
  const resizeStream = streams.get('resize');
  const resize = resizeStream ? sizesOf(resizeStream) : undefined;
  const stdin = streams.get('stdin');
  let status: ExecStatus;
  try {
    status = await run({ stdin, stdout: streams.get('stdout'), stderr: streams.get('stderr'), resize, signal: aborter.signal });
  } catch (err) {
    status = errorStatus(err instanceof Error ? err.message : String(err));
  }
  resize?.end();
  stdin?.resume();
  error.end(JSON.stringify(status));
  for (const type of ['stdout', 'stderr', 'resize', 'stdin']) streams.get(type)?.end();
  socket.end();
}

/** Terminal sizes from a resize stream (JSON objects one after another). */
function sizesOf(stream: SpdyStream): SizeQueue {
  const queue = new SizeQueue();
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    // Go's json.Encoder ends each object with a newline.
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      const size = part.trim() ? parseResize(Buffer.from(part)) : undefined;
      if (size) queue.push(size);
    }
  });
  stream.on('end', () => queue.end());
  return queue;
}
