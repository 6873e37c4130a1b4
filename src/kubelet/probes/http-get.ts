/**
 * HTTP GET against a container, for httpGet probes and hooks: to spec.host when set (from the
 * node, as upstream), else to the pod's IP — or 127.0.0.1 while it has none — inside the pod's
 * network namespace. Port by number or by the name of a container port. Redirects to the same
 * host are followed (at most 10); a redirect elsewhere is not, and the 3xx answer stands.
 * HTTPS does not verify the certificate, as upstream.
 */
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1.js';
import http from 'node:http';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { dialInNetns } from '../netns-dial.ts';
import { boundedOutput, type ProbeTarget } from './target.ts';

/** Upstream sends kube-probe/<major.minor of the kubelet>. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_REDIRECTS = 10;

export interface HttpGetResult {
  /** The last response's status; undefined when the request failed (see `error`). */
  statusCode?: number;
  /** The body, up to 10 KiB. */
  body: string;
  /** Go-style error text, e.g. `Get "http://127.0.0.1:80/": dial tcp 127.0.0.1:80: connect: connection refused`. */
  error?: string;
}

/** A port given as a number, a numeric string, or a container port's name. */
export function resolvePort(port: number | string, container: Container): number {
  let n = typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : undefined;
  if (n === undefined) {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (!named) throw new Error(`port ${port} not found`);
    n = named.containerPort;
  }
  if (!(n > 0 && n < 65536)) throw new Error(`invalid port number: ${n}`);
  return n;
}

/** Performs the GET within `timeoutMs` (the whole exchange, redirects included). */
export async function httpGet(action: HTTPGetAction, target: ProbeTarget, timeoutMs: number, userAgent = PROBE_USER_AGENT): Promise<HttpGetResult> {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const viaNode = Boolean(action.host);
  const host = action.host || target.podIP || '127.0.0.1';
  let url: URL;
  try {
    const port = resolvePort(action.port, target.container);
    const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
    url = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`);
  } catch (err) {
    return { body: '', error: (err as Error).message };
  }
  const headers: Record<string, string> = { 'User-Agent': userAgent, Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const deadline = Date.now() + timeoutMs;
  const first = url;
  for (let redirects = 0; ; redirects++) {
    const r = await getOnce(url, headers, viaNode ? undefined : target.netnsPath, deadline);
    if (r.error || r.statusCode! < 300 || r.statusCode! >= 400 || !r.location) return r;
    const next = new URL(r.location, url);
    if (next.hostname !== first.hostname) return r;
    if (redirects + 1 >= MAX_REDIRECTS) return { body: '', error: `Get "${next}": stopped after ${MAX_REDIRECTS} redirects` };
    url = next;
  }
}

async function getOnce(url: URL, headers: Record<string, string>, netnsPath: string | undefined, deadline: number): Promise<HttpGetResult & { location?: string }> {
  const remaining = deadline - Date.now();
  const fail = (why: string) => ({ body: '', error: `Get "${url}": ${why}` });
  if (remaining <= 0) return fail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let socket: Duplex;
  try {
    socket = await dialInNetns(netnsPath, hostname, port, { timeoutMs: remaining });
  } catch (err) {
    const e = err as Error & { code?: string };
    return fail(e.code === 'ETIMEDOUT' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : e.message);
  }
  if (url.protocol === 'https:') socket = tls.connect({ socket, rejectUnauthorized: false, servername: /^[\d.:]+$/.test(hostname) ? undefined : hostname });
  return new Promise((resolve) => {
    const body = boundedOutput();
    let done = false;
    const finish = (r: HttpGetResult & { location?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(fail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')), Math.max(0, deadline - Date.now()));
    const req = http.request(url, { method: 'GET', headers, createConnection: () => socket as never }, (res) => {
      res.on('data', (chunk: Buffer) => body.write(chunk));
      res.on('end', () => finish({ statusCode: res.statusCode, body: body.text(), location: res.headers.location }));
      res.on('error', (err) => finish(fail(err.message)));
    });
    req.on('error', (err) => finish(fail(err.message)));
    req.end();
  });
}
