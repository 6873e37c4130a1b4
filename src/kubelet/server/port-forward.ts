/**
 * Port forwarding into a pod, in the two shapes clients speak:
 * - `portforward.k8s.io` over SPDY (kubectl; 1.32 tunnels the SPDY session through a WebSocket
 *   with subprotocol `SPDY/3.1+portforward.k8s.io`): for every connection it forwards, the
 *   client opens an `error` and a `data` stream carrying the same `requestID` and the `port`;
 *   this side dials the port in the pod's network namespace and splices it to the data stream,
 *   writing a message to the error stream when that fails. Both streams are closed when the
 *   pod's side is done.
 * - the WebSocket channel protocol (`v4.channel.k8s.io`, what @kubernetes/client-node speaks),
 *   with `?ports=` naming the ports: channel 2i carries port i's data and 2i+1 its errors, and
 *   each channel starts with the port number as two little-endian bytes.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { SpdyServerSession, type SpdyStream } from './spdy-session.ts';

/** Where forwarded connections go. */
export interface PortForwardTarget {
  /** Connects to `port` in the pod's network namespace. */
  dial(port: number): Promise<Duplex>;
  /** `namespace/name` and uid, for error messages. */
  podName: string;
  podUid: string;
}

/** Upstream gives a client this long to open the second stream of a pair. */
const PAIR_TIMEOUT_MS = 30_000;

/** Serves port-forward requests arriving as streams of `session`. */
export function servePortForwardStreams(session: SpdyServerSession, target: PortForwardTarget): void {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  session.on('stream', (stream: SpdyStream) => {
    const requestId = stream.headers.requestid ?? `stream-${stream.id}`;
    const type = stream.headers.streamtype;
    if (type !== 'data' && type !== 'error') {
      stream.reset();
      return;
    }
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        pair?.data?.reset();
        pair?.error?.reset();
      }, PAIR_TIMEOUT_MS);
      pair = { timer };
      pairs.set(requestId, pair);
    }
    pair[type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error, target);
    }
  });
  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
}

async function forward(data: SpdyStream, error: SpdyStream, target: PortForwardTarget): Promise<void> {
  // The client closes its side of the error stream at once; only this side writes to it.
  error.resume();
  error.on('error', () => undefined);
  data.on('error', () => undefined);
  const port = Number(data.headers.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    error.end(`invalid port ${JSON.stringify(data.headers.port ?? '')}`);
    data.end();
    return;
  }
  let conn: Duplex;
  try {
    conn = await target.dial(port);
  } catch (err) {
    error.end(`error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: ${err instanceof Error ? err.message : String(err)}`);
    data.end();
    return;
  }
  conn.on('error', () => conn.destroy());
  data.pipe(conn);
  conn.pipe(data);
  // A reset stream (the client dropped the connection) ends the pod side at once.
  data.once('close', () => conn.destroy());
  conn.once('close', () => {
    if (!data.writableEnded) data.end();
    error.end();
  });
}

/** Runs the SPDY port-forward protocol over WebSocket messages (kubectl's tunnelling). */
export function serveTunnelledPortForward(ws: WebSocket, target: PortForwardTarget): void {
  const session = new SpdyServerSession((bytes) => {
    if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
  });
  ws.on('message', (message: Buffer) => session.receive(message));
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
  session.on('close', () => ws.close(1000));
  servePortForwardStreams(session, target);
}

/** Runs the SPDY port-forward protocol over a raw upgraded socket (`Upgrade: SPDY/3.1`). */
export function serveSpdyPortForward(socket: Duplex, target: PortForwardTarget): void {
  const session = new SpdyServerSession((bytes) => {
    if (!socket.destroyed) socket.write(bytes);
  });
  socket.on('data', (chunk: Buffer) => session.receive(chunk));
  socket.on('close', () => session.close());
  socket.on('error', () => session.close());
  session.on('close', () => socket.destroy());
  servePortForwardStreams(session, target);
}

/** Runs the WebSocket channel port-forward protocol for `ports` (client-node's). */
export function serveChannelPortForward(ws: WebSocket, ports: number[], target: PortForwardTarget): void {
  const conns: (Duplex | undefined)[] = [];
  let open = ports.length;
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(channel), typeof data === 'string' ? Buffer.from(data) : data]), { binary: true });
  };
  const done = () => {
    if (--open === 0) ws.close(1000);
  };
  ws.on('message', (message: Buffer) => {
    const channel = message[0];
    if (channel % 2 === 0) conns[channel / 2]?.write(message.subarray(1));
  });
  ws.on('close', () => conns.forEach((c) => c?.destroy()));
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port, 0);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    target.dial(port).then(
      (conn) => {
        conns[i] = conn;
        conn.on('data', (chunk: Buffer) => send(2 * i, chunk));
        conn.on('error', () => conn.destroy());
        conn.once('close', done);
      },
      (err: unknown) => {
        send(2 * i + 1, `error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: ${err instanceof Error ? err.message : String(err)}`);
        done();
      },
    );
  });
  if (ports.length === 0) ws.close(1000);
}
