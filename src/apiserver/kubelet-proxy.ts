/**
 * The API server's side of streaming: finds the kubelet of a pod's node (its InternalIP and
 * status.daemonEndpoints.kubeletEndpoint.Port) and relays a request to it over TLS,
 * authenticating with the API server's kubelet client certificate (signed by the cluster CA).
 * A plain GET (logs) is re-issued and its body streamed back as it comes; an upgrade (exec,
 * attach, port-forward) is relayed byte for byte — the request line and headers re-addressed to
 * the kubelet's path, then both sockets piped together — so the WebSocket or SPDY handshake and
 * everything after it is between the client and the kubelet. As upstream does by default, the
 * kubelet's serving certificate is not verified (a kubelet's is self-signed unless it was given
 * one from the cluster CA).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect } from 'node:tls';
import type { Node } from 'kubernetes-types/core/v1.js';
import { StatusError } from './errors.ts';

/** The API server's client certificate for kubelets (`system:kube-apiserver-kubelet-client`). */
export interface KubeletClientCredentials {
  certPem: string;
  keyPem: string;
}

/** Where a node's kubelet listens. */
export interface KubeletAddress {
  host: string;
  port: number;
}

/** Upstream's default kubelet port, used when the node does not report one. */
export const DEFAULT_KUBELET_PORT = 10250;
/** Address types tried in order (k3s's preference; upstream's default starts with Hostname). */
const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'InternalDNS', 'Hostname', 'ExternalDNS'];

/** The kubelet address a node reports; undefined when it reports no address at all. */
export function kubeletAddress(node: Node): KubeletAddress | undefined {
  const addresses = node.status?.addresses ?? [];
  for (const type of ADDRESS_PREFERENCE) {
    const found = addresses.find((a) => a.type === type && a.address);
    if (found) return { host: found.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT };
  }
  return undefined;
}

function unreachable(nodeName: string, address: KubeletAddress, err: Error): StatusError {
  return new StatusError(
    503,
    'ServiceUnavailable',
    `the kubelet of node "${nodeName}" at ${hostPort(address)} is not reachable: ${err.message}`,
  );
}

function hostPort(a: KubeletAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * GETs `path` from the kubelet and streams the answer into `res`: a 200 body as it arrives
 * (headers flushed at once, for `logs -f`), any other answer (a Status) as it is.
 * Resolves when the body is done or the client went away.
 * @throws StatusError 503 when the kubelet cannot be reached (nothing has been written then)
 */
export function proxyKubeletGet(
  res: ServerResponse,
  nodeName: string,
  address: KubeletAddress,
  path: string,
  credentials: KubeletClientCredentials,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      { host: address.host, port: address.port, path, method: 'GET', cert: credentials.certPem, key: credentials.keyPem, rejectUnauthorized: false, agent: false },
      (kubeletRes) => {
        const headers: Record<string, string> = { 'Content-Type': kubeletRes.headers['content-type'] ?? 'text/plain', 'Cache-Control': 'no-cache, private' };
        res.writeHead(kubeletRes.statusCode ?? 502, headers);
        res.flushHeaders();
        kubeletRes.pipe(res);
        kubeletRes.on('end', () => resolve());
        kubeletRes.on('error', () => resolve());
      },
    );
    // The client stopped reading (`logs -f` interrupted): stop the kubelet's follow too.
    res.on('close', () => {
      upstream.destroy();
      resolve();
    });
    upstream.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(unreachable(nodeName, address, err));
    });
    upstream.end();
  });
}

/**
 * Relays an upgrade request to the kubelet at `path`, then pipes the two connections together.
 * Credentials meant for the API server (Authorization, impersonation) are not passed on.
 * @throws StatusError 503 when the kubelet cannot be reached (the client socket is untouched)
 */
export function proxyKubeletUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  nodeName: string,
  address: KubeletAddress,
  path: string,
  credentials: KubeletClientCredentials,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = connect({
      host: address.host,
      port: address.port,
      cert: credentials.certPem,
      key: credentials.keyPem,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    let connected = false;
    upstream.once('secureConnect', () => {
      connected = true;
      upstream.write(requestHead(req, path, address));
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      resolve();
    });
    upstream.on('error', (err) => {
      // Before the relay starts, the caller answers the client with a Status instead.
      if (!connected) reject(unreachable(nodeName, address, err));
      else socket.destroy();
    });
    socket.on('error', () => upstream.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      if (connected) socket.destroy();
    });
  });
}

/** Headers never relayed: the client's credentials for the API server, and Host (re-addressed). */
const DROPPED_HEADERS = new Set(['authorization', 'host', 'proxy-authorization']);

/** The request line and headers for the kubelet. */
export function requestHead(req: Pick<IncomingMessage, 'method' | 'rawHeaders'>, path: string, address: KubeletAddress): string {
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${hostPort(address)}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower) || lower.startsWith('impersonate-')) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
