/**
 * A lean HTTP/1.1 client for whole exchanges — a request in, its complete response out — on
 * kept-alive connections. The API calls of every component (a binding, a status update, a
 * create) are small requests answered by small bodies; through node:https each cost the caller
 * ~120 µs of CPU on this machine, most of it in the ClientRequest, agent and IncomingMessage
 * machinery around the bytes; written and parsed here, ~50 µs. Streams (watches, logs) stay
 * on node:https (transport.ts).
 *
 * What it speaks: one request per connection at a time (no pipelining); responses framed by
 * Content-Length, chunked transfer coding, or the connection's end; 1xx answers skipped; a
 * connection goes back to the idle pool unless the answer says `Connection: close` (or is
 * HTTP/1.0 without keep-alive) and leaves it on its own end, error, or once idle longer than
 * the server's `Keep-Alive: timeout` hint allows.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

/** A request as the client sends it: path with its query, headers, and the body as text. */
export interface WholeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The exchange fails (and its connection is closed) when not complete after this long. */
  timeoutMs?: number;
}

/** A complete response: its status, its headers (names in lower case) and its body as text. */
export interface WholeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface Http1ClientOptions {
  /** Opens a new connection to the server (TLS, TCP or in-process), ready to write to. */
  connect: () => Duplex;
  /** The Host header: host and port as the URL names them. */
  host: string;
}

/** Idle connections kept at most (node:http's agent keeps 256 too). */
const MAX_IDLE = 256;
/** How long an idle connection is kept when the server gives no Keep-Alive hint. */
const DEFAULT_IDLE_MS = 30_000;
/** A connection is retired this long before the server's own idle timeout would close it. */
const IDLE_MARGIN_MS = 1_000;

interface IdleConnection {
  socket: Duplex;
  /** Date.now() after which it is not used again. */
  until: number;
}

export class Http1Client {
  private idle: IdleConnection[] = [];
  private closed = false;

  constructor(private readonly options: Http1ClientOptions) {}

  /**
   * Sends `req` and resolves with the whole response, whatever its status. Rejects when the
   * connection fails or closes before the response is complete (with the socket's error code,
   * or ECONNRESET), or at the deadline.
   */
  exchange(req: WholeRequest): Promise<WholeResponse> {
    const socket = this.takeIdle() ?? this.options.connect();
    let head = `${req.method} ${req.path} HTTP/1.1\r\nHost: ${this.options.host}\r\n`;
    for (const name in req.headers) head += `${name}: ${req.headers[name]}\r\n`;
    if (req.body !== undefined) head += `Content-Length: ${Buffer.byteLength(req.body)}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      const parser = new ResponseParser();
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, res?: WholeResponse, reusable = false) => {
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        if (timer) clearTimeout(timer);
        if (err) {
          socket.destroy();
          return reject(err);
        }
        if (reusable) this.release(socket, res!.headers['keep-alive'] as string | undefined);
        else socket.destroy();
        resolve(res!);
      };
      const onData = (chunk: Buffer) => {
        let done: ParsedResponse | undefined;
        try {
          done = parser.push(chunk);
        } catch (err) {
          return finish(err as Error);
        }
        if (done) finish(undefined, done.response, done.keepAlive);
      };
      const onEnd = () => {
        // A body framed by the connection's end is complete now; anything else was cut short.
        const done = parser.end();
        if (done) return finish(undefined, done.response);
        finish(Object.assign(new Error('socket hang up: the connection closed before the response was complete'), { code: 'ECONNRESET' }));
      };
      const onError = (err: Error) => finish(err);
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('end', onEnd);
      socket.on('close', onEnd);
      if (req.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(new Error(`${req.method} ${req.path}: no answer in ${req.timeoutMs} ms`)), req.timeoutMs);
      }
      socket.write(req.body === undefined ? head : head + req.body);
    });
  }

  /** Closes the idle connections; connections in use close when their exchange ends. */
  close(): void {
    this.closed = true;
    for (const c of this.idle) c.socket.destroy();
    this.idle = [];
  }

  private takeIdle(): Duplex | undefined {
    const now = Date.now();
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.until > now && !c.socket.destroyed) {
        c.socket.off('close', dropIdle);
        c.socket.off('end', dropIdle);
        c.socket.off('error', dropIdle);
        c.socket.off('data', dropIdle);
        return c.socket;
      }
      c.socket.destroy();
    }
    return undefined;
  }

  private release(socket: Duplex, keepAliveHint: string | undefined): void {
    if (this.idle.length >= MAX_IDLE) this.idle = this.idle.filter((c) => !c.socket.destroyed && c.until > Date.now());
    if (this.closed || this.idle.length >= MAX_IDLE || socket.destroyed) return void socket.destroy();
    const seconds = keepAliveHint ? Number(/timeout=(\d+)/.exec(keepAliveHint)?.[1]) : NaN;
    const keepMs = Number.isFinite(seconds) ? seconds * 1000 - IDLE_MARGIN_MS : DEFAULT_IDLE_MS;
    if (keepMs <= 0) return void socket.destroy();
    // A connection the server closes (or, wrongly, writes to) while idle is not handed out again.
    socket.once('close', dropIdle);
    socket.once('end', dropIdle);
    socket.once('error', dropIdle);
    socket.once('data', dropIdle);
    this.idle.push({ socket, until: Date.now() + keepMs });
  }
}

/** An idle connection's end: destroyed, so the pool skips it (its entry goes at the next take). */
function dropIdle(this: Duplex): void {
  this.destroy();
}

interface ParsedResponse {
  response: WholeResponse;
  /** Whether the connection may carry another request. */
  keepAlive: boolean;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** Headers larger than this are refused (node:http's default limit is 16 KiB). */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * The response side of one exchange, fed the connection's chunks as they come. Body chunks are
 * kept as they arrive and joined once: a list of many megabytes comes in hundreds of chunks.
 */
class ResponseParser {
  private pending: Buffer | undefined;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private keepAlive = true;
  private framing: 'length' | 'chunked' | 'close' | undefined;
  private remaining = 0;
  private body: Buffer[] = [];
  /** Chunked coding: reading a size line, a chunk's data, the CRLF after it, or the trailers. */
  private chunkState: 'size' | 'data' | 'crlf' | 'trailers' = 'size';

  /** Returns the response once complete. */
  push(chunk: Buffer): ParsedResponse | undefined {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (this.framing === undefined) {
      const end = buf.indexOf(HEADER_END);
      if (end < 0) {
        if (buf.length > MAX_HEADER_BYTES) throw protocolError('response headers too large');
        this.pending = buf;
        return undefined;
      }
      this.readHead(buf.toString('latin1', 0, end));
      buf = buf.subarray(end + 4);
    }
    return this.readBody(buf);
  }

  /** The connection ended: the response if its body ran to the end of the connection. */
  end(): ParsedResponse | undefined {
    if (this.framing !== 'close') return undefined;
    return { response: this.response(), keepAlive: false };
  }

  private readHead(head: string): void {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!m) throw protocolError(`not an HTTP/1.x response: ${JSON.stringify(lines[0].slice(0, 40))}`);
    const status = Number(m[2]);
    // An interim answer (100 Continue): the real one follows.
    if (status >= 100 && status < 200) return;
    const headers: IncomingHttpHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) throw protocolError(`malformed header line ${JSON.stringify(lines[i].slice(0, 40))}`);
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      const prior = headers[name];
      headers[name] = prior === undefined ? value : `${prior}, ${value}`;
    }
    this.status = status;
    this.headers = headers;
    const connection = String(headers.connection ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const length = headers['content-length'];
    if (status === 204 || status === 304) {
      this.framing = 'length';
      this.remaining = 0;
    } else if (String(headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      this.framing = 'chunked';
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw protocolError(`bad Content-Length ${JSON.stringify(length)}`);
      this.framing = 'length';
      this.remaining = Number(length);
    } else {
      this.framing = 'close';
      this.keepAlive = false;
    }
  }

  private readBody(buf: Buffer): ParsedResponse | undefined {
    if (this.framing === 'close') {
      if (buf.length) this.body.push(buf);
      return undefined;
    }
    if (this.framing === 'length') {
      if (buf.length > this.remaining) throw protocolError('more bytes than the response announced');
      if (buf.length) this.body.push(buf);
      this.remaining -= buf.length;
      return this.remaining === 0 ? { response: this.response(), keepAlive: this.keepAlive } : undefined;
    }
    return this.readChunked(buf);
  }

  private readChunked(buf: Buffer): ParsedResponse | undefined {
    let at = 0;
    while (at < buf.length || this.chunkState === 'data') {
      if (this.chunkState === 'data') {
        const take = Math.min(this.remaining, buf.length - at);
        if (take > 0) this.body.push(buf.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining > 0) return undefined;
        this.chunkState = 'crlf';
        continue;
      }
      const eol = buf.indexOf(CRLF, at);
      if (eol < 0) {
        this.pending = buf.subarray(at);
        return undefined;
      }
      const line = buf.toString('latin1', at, eol);
      at = eol + 2;
      if (this.chunkState === 'crlf') {
        if (line !== '') throw protocolError('chunk data longer than its size');
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = parseInt(line, 16);
        if (!/^[0-9a-fA-F]+/.test(line) || !Number.isFinite(size)) throw protocolError(`bad chunk size ${JSON.stringify(line.slice(0, 20))}`);
        if (size === 0) this.chunkState = 'trailers';
        else {
          this.remaining = size;
          this.chunkState = 'data';
        }
      } else if (line === '') {
        // The empty line after the (usually absent) trailers ends the response.
        if (at !== buf.length) throw protocolError('bytes after the end of the response');
        return { response: this.response(), keepAlive: this.keepAlive };
      }
    }
    return undefined;
  }

  private response(): WholeResponse {
    const text = this.body.length === 1 ? this.body[0].toString('utf8') : Buffer.concat(this.body).toString('utf8');
    return { status: this.status, headers: this.headers, text };
  }
}

function protocolError(message: string): Error {
  return Object.assign(new Error(`bad HTTP response from the server: ${message}`), { code: 'HPE_INVALID' });
}
