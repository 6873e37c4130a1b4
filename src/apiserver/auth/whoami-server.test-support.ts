/**
 * Test support (not production code): a tiny HTTPS server wired like the API server's front
 * door — the TLS options and authenticator of this folder, 401 for anonymous requests outside
 * the public paths — answering /healthz, `kubectl auth whoami`, and /whoami (the user as JSON).
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { unauthorized } from '../errors.ts';
import { createAuthenticator, type UserInfo } from './authenticate.ts';
import type { Pki } from './pki.ts';
import { isPublicPath } from './public-paths.ts';
import { selfSubjectReview } from './self-subject-review.ts';
import { serverTlsOptions } from './tls-server-options.ts';

export interface WhoamiServer {
  url: string;
  /** The HTTP versions requests arrived with, in order. */
  httpVersions: string[];
  close(): Promise<void>;
}

export async function startWhoamiServer(
  pki: Pki,
  tokens = new Map<string, UserInfo>(),
  options: { now?: () => number } = {},
): Promise<WhoamiServer> {
  const authenticate = createAuthenticator({ caCertPem: pki.caCertPem, tokens, now: options.now });
  const httpVersions: string[] = [];
  const server = createServer(serverTlsOptions(pki), (req, res) => {
    httpVersions.push(req.httpVersion);
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    const user = authenticate(req);
    if (!user && !isPublicPath(path)) {
      const status = unauthorized().toStatus();
      res.writeHead(status.code, { 'content-type': 'application/json' }).end(JSON.stringify(status));
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/whoami' && user) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user));
    } else if (path === '/apis/authentication.k8s.io/v1/selfsubjectreviews' && req.method === 'POST' && user) {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(selfSubjectReview(user)));
      });
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    httpVersions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
