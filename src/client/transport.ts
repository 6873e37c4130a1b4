/**
 * The HTTP layer under {@link RestClient}: one request in, status, headers and a body stream
 * out. Kept apart so the client's retry and decoding logic can be tested against a fake.
 */
import type { IncomingHttpHeaders } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { connect as connectTcp, isIP } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { connect as connectTls, createSecureContext } from 'node:tls';
import { Http1Client, type WholeResponse } from './http1-client.ts';
import type { ClusterConnection } from './kubeconfig.ts';

export type { WholeResponse } from './http1-client.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /api/v1/namespaces/default/pods?limit=500 */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborting destroys the request (and its response stream). */
  signal?: AbortSignal;
  /**
   * The request, body included, is abandoned (its promise or its body stream fails) when not
   * complete after this long. Cheaper than a signal for the common case of a plain deadline.
   */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives; a watch keeps it open. */
  body: Readable;
}

export interface Transport {
  /** Rejects on connection failures; any HTTP status resolves. */
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * The request and its whole response, read to the end, for calls that do not stream (no
   * `signal`). Optional: {@link requestWhole} reads {@link request}'s body where it is absent.
   */
  requestWhole?(req: HttpRequest): Promise<WholeResponse>;
  /** Closes idle kept-alive connections. */
  close(): void;
}

/** How often requests with a deadline are checked: a deadline is kept to within this. */
const DEADLINE_SWEEP_MS = 250;

/** Requests over node:https (or node:http for an http:// server) on one keep-alive agent. */
export class NodeHttpTransport implements Transport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly auth: Record<string, string>;
  private readonly lib: typeof http | typeof https;
  private readonly hostname: string;
  private readonly port: string | undefined;
  private readonly basePath: string;
  /**
   * Requests with a deadline, swept by one timer: a timer and an abort signal per request cost
   * more than the request itself at a thousand requests a second. Entries are appended, and
   * the sweep drops those whose request is over (destroyed: answered in full, or failed)
   * rather than each request removing its own on 'close': a listener and a keyed delete per
   * request cost more than the sweep's look at each of them once.
   */
  private deadlines: Deadline[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  /** Whole exchanges (most API calls): see http1-client.ts for why not node:https. */
  private readonly whole: Http1Client;

  constructor(conn: ClusterConnection) {
    this.url = new URL(conn.server);
    const secure = this.url.protocol === 'https:';
    // The credentials go in as one prepared context, not as PEM strings: the agent names its
    // connection pools by its options, PEMs included, and would otherwise build and hash a
    // name of several kilobytes for every request.
    this.agent = conn.connect
      ? loopbackAgent(conn.connect)
      : secure
      ? new https.Agent({
          keepAlive: true,
          secureContext: createSecureContext({ ca: conn.caPem, cert: conn.clientCertPem, key: conn.clientKeyPem }),
          rejectUnauthorized: !conn.insecureSkipTlsVerify,
        })
      : new http.Agent({ keepAlive: true });
    this.auth = conn.token ? { Authorization: `Bearer ${conn.token}` } : {};
    this.lib = secure ? https : http;
    this.hostname = this.url.hostname.replace(/^\[|\]$/g, '');
    this.port = this.url.port || undefined;
    this.basePath = this.url.pathname === '/' ? '' : this.url.pathname;
    // Every request of this agent goes to one server with one set of options, so its
    // connections form a single pool: a fixed pool name spares the agent building one from
    // some twenty options twice per request.
    const poolName = this.agent.getName({ host: this.hostname, port: Number(this.port) || undefined });
    this.agent.getName = () => poolName;
    this.whole = new Http1Client({ host: this.url.host, connect: this.connector(conn, secure) });
  }

  /** How {@link whole} opens a connection: as the agent would (same TLS context and checks). */
  private connector(conn: ClusterConnection, secure: boolean): () => Duplex {
    if (conn.connect) return conn.connect;
    const port = Number(this.port) || (secure ? 443 : 80);
    const host = this.hostname;
    if (!secure) return () => connectTcp({ host, port, noDelay: true });
    const options = {
      host,
      port,
      // SNI takes names only; an address is checked against the certificate's IP SANs.
      servername: isIP(host) ? undefined : host,
      secureContext: (this.agent as https.Agent).options.secureContext,
      rejectUnauthorized: !conn.insecureSkipTlsVerify,
    };
    return () => {
      const socket = connectTls(options);
      socket.setNoDelay(true);
      return socket;
    };
  }

  requestWhole(req: HttpRequest): Promise<WholeResponse> {
    if (req.signal) return readWhole(this.request(req));
    const headers: Record<string, string> = this.auth.Authorization ? { ...this.auth, ...req.headers } : { ...req.headers };
    return this.whole.exchange({ method: req.method, path: this.basePath + req.path, headers, body: req.body, timeoutMs: req.timeoutMs });
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = this.auth.Authorization ? { ...this.auth, ...req.headers } : { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
    return new Promise((resolve, reject) => {
      let deadline: Deadline | undefined;
      const r = this.lib.request(
        {
          protocol: this.url.protocol,
          hostname: this.hostname,
          port: this.port,
          method: req.method,
          path: this.basePath + req.path,
          agent: this.agent,
          headers,
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res) => {
          if (deadline) deadline.res = res;
          resolve(new IncomingResponse(res));
        },
      );
      r.on('error', reject);
      if (req.timeoutMs !== undefined) deadline = this.setDeadline(r, req);
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
    this.whole.close();
  }

  private setDeadline(r: http.ClientRequest, req: HttpRequest): Deadline {
    // The request itself, not a function making the error: a function in an object literal
    // costs a name definition per request under tsx (esbuild's keepNames).
    const deadline: Deadline = { at: Date.now() + req.timeoutMs!, req, r, res: undefined };
    this.deadlines.push(deadline);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), DEADLINE_SWEEP_MS);
      this.sweeper.unref();
    }
    return deadline;
  }

  private sweep(): void {
    const now = Date.now();
    const pending: Deadline[] = [];
    for (const d of this.deadlines) {
      // A request is destroyed once its response has been read to its end, or once it failed.
      if (d.r.destroyed) continue;
      if (d.at > now) {
        pending.push(d);
        continue;
      }
      // Destroying the request fails its promise, or the response stream it already gave.
      const err = new Error(`${d.req.method} ${d.req.path}: no answer in ${d.req.timeoutMs} ms`);
      d.res?.destroy(err);
      d.r.destroy(err);
    }
    this.deadlines = pending;
    if (pending.length === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}

/** A request with a deadline, and its response once it has come. */
interface Deadline {
  at: number;
  req: HttpRequest;
  r: http.ClientRequest;
  res: http.IncomingMessage | undefined;
}

/** A keep-alive agent whose connections are the in-process server's loopback (kubeconfig.ts `connect`). */
function loopbackAgent(connect: () => Duplex): http.Agent {
  const agent = new http.Agent({ keepAlive: true });
  agent.createConnection = () => connect() as unknown as import('node:net').Socket;
  return agent;
}

/**
 * A response whose headers are read only when asked for: Node builds the headers object on
 * first access, and most callers (a bind, an event) never look at them.
 */
class IncomingResponse implements HttpResponse {
  readonly status: number;
  constructor(readonly body: http.IncomingMessage) {
    this.status = body.statusCode ?? 0;
  }
  get headers(): IncomingHttpHeaders {
    return this.body.headers;
  }
}

/**
 * Reads a whole body: parsed JSON, the raw text if it is not JSON, undefined if empty. Rejects
 * when the stream fails or closes before its end.
 */
export async function readJson(res: HttpResponse): Promise<unknown> {
  return parseJsonText(await readText(res));
}

/**
 * Reads a whole body as text. Rejects when the stream fails or closes before its end.
 * (Listeners, not `for await`: the async iterator costs a promise and a stream wrapper per
 * response.)
 */
function readText(res: HttpResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    const body = res.body;
    body.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    body.once('end', () => {
      ended = true;
      resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
    });
    body.once('error', reject);
    body.once('close', () => {
      if (!ended) reject(Object.assign(new Error('the response ended before its body was complete'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

/** `req` through `transport`, with the whole response read (see {@link Transport.requestWhole}). */
export function requestWhole(transport: Transport, req: HttpRequest): Promise<WholeResponse> {
  return transport.requestWhole ? transport.requestWhole(req) : readWhole(transport.request(req));
}

/** A streamed response read to its end as text. */
async function readWhole(pending: Promise<HttpResponse>): Promise<WholeResponse> {
  const res = await pending;
  const text = await readText(res);
  return { status: res.status, headers: res.headers, text };
}

/** The body of a whole response as JSON: parsed, the raw text if it is not JSON, undefined if empty. */
export function parseJsonText(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
