/**
 * The API server's HTTPS front: authenticates every request (health endpoints excepted),
 * parses it into a RequestInfo and routes it to the resource handlers or the non-resource
 * paths. Every failure leaves as a Status.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TlsOptions } from 'node:tls';
import type { Authenticator } from './auth/authenticate.ts';
import type { RequestAuthorizer } from './auth/node-restriction.ts';
import { isPublicPath } from './auth/public-paths.ts';
import { writeError, type ServerParts } from './context.ts';
import { unauthorized } from './errors.ts';
import { handleStreamingUpgrade, rejectUpgrade } from './handlers/pod-streaming.ts';
import { handleHealth, handleNonResource, type HealthState } from './non-resource.ts';
import type { NodeJoinHandler } from './node-join.ts';
import { parseRequestInfo } from './request-info.ts';
import { routeResource } from './routes.ts';

export interface ApiServerOptions {
  tls: TlsOptions;
  authenticate: Authenticator;
  parts: ServerParts;
  health: HealthState;
  /** Decides resource requests (the node authorizer); absent, every authenticated request goes on. */
  authorize?: RequestAuthorizer;
  /** The node-join paths (`/cacerts`, the node certificate), served before authentication. */
  nodeJoin?: NodeJoinHandler;
}

export function createApiServer(options: ApiServerOptions): Server {
  const { parts } = options;
  const server = createServer({ ...options.tls, ALPNProtocols: ['http/1.1'] }, (req, res) => {
    handle(req, res).catch((err) => writeError(res, err, parts.log));
  });
  // Watches are long-lived; the request timeout must not cut them.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  // exec, attach and port-forward upgrade the connection (WebSocket or SPDY) and are relayed to the kubelet.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    handleUpgrade(req, socket, head).catch((err) => rejectUpgrade(socket, err, parts.log));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://skiff.invalid');
    const path = url.pathname;
    const query = url.searchParams;
    if (handleHealth(path, query, res, options.health)) return;
    if (options.nodeJoin && (await options.nodeJoin(req, res, path))) return;
    const user = options.authenticate(req);
    if (!user) {
      if (isPublicPath(path)) return handleNonResource(req, res, path);
      throw unauthorized();
    }
    const info = parseRequestInfo(req.method ?? 'GET', path, query);
    if (!info.isResourceRequest) return handleNonResource(req, res, path);
    const admission = await options.authorize?.(user, info);
    await routeResource({ req, res, info, query, user, parts, warnings: [], admission });
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://skiff.invalid');
    const user = options.authenticate(req);
    if (!user) throw unauthorized();
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    if (info.isResourceRequest) await options.authorize?.(user, info);
    await handleStreamingUpgrade({ req, socket, head, info, query: url.searchParams, user, parts });
  }

  return server;
}
