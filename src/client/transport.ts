/**
 * The HTTP layer under {@link RestClient}: one request in, status, headers and a body stream
 * out. Kept apart so the client's retry and decoding logic can be tested against a fake.
 */
import type { IncomingHttpHeaders } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { createSecureContext } from 'node:tls';
import type { ClusterConnection } from './kubeconfig.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /api/v1/namespaces/default/pods?limit=500 */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborting destroys the request (and its response stream). */
  signal?: AbortSignal;
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
  /** Closes idle kept-alive connections. */
  close(): void;
}

/** Requests over node:https (or node:http for an http:// server) on one keep-alive agent. */
export class NodeHttpTransport implements Transport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly auth: Record<string, string>;

  constructor(conn: ClusterConnection) {
    this.url = new URL(conn.server);
    const secure = this.url.protocol === 'https:';
    // The credentials go in as one prepared context, not as PEM strings: the agent names its
    // connection pools by its options, PEMs included, and would otherwise build and hash a
    // name of several kilobytes for every request.
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          secureContext: createSecureContext({ ca: conn.caPem, cert: conn.clientCertPem, key: conn.clientKeyPem }),
          rejectUnauthorized: !conn.insecureSkipTlsVerify,
        })
      : new http.Agent({ keepAlive: true });
    this.auth = conn.token ? { Authorization: `Bearer ${conn.token}` } : {};
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const lib = this.url.protocol === 'https:' ? https : http;
    const basePath = this.url.pathname === '/' ? '' : this.url.pathname;
    return new Promise((resolve, reject) => {
      const r = lib.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || undefined,
          method: req.method,
          path: basePath + req.path,
          agent: this.agent,
          headers: { ...this.auth, ...req.headers, ...(req.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(req.body)) } : {}) },
          signal: req.signal,
        },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
      );
      r.on('error', reject);
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads a whole body: parsed JSON, the raw text if it is not JSON, undefined if empty. */
export async function readJson(res: HttpResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
