/**
 * The server's side of a node joining (as k3s serves it, outside the Kubernetes API):
 * - `GET /cacerts`, unauthenticated: the cluster CA certificate, which the joining node checks
 *   against the hash its join token pins before it trusts anything else from this server;
 * - `POST /v1-skiff/node-certificate`, authenticated by the join token's secret (`Authorization:
 *   Bearer <secret>`, or Basic with user `node`): signs the node's certificate request for
 *   `system:node:<name>` and answers the certificate (PEM). A wrong secret is 401. The request
 *   carries the node's password (header X-Skiff-Node-Password); a name already recorded with
 *   another password is 403, so the token alone does not let anyone pose as an existing node.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeCertificateRequestError, signNodeCertificateRequest } from './auth/node-certificate.ts';
import { NODE_PASSWORD_HEADER } from './auth/node-password.ts';
import { readBody } from './body.ts';
import { writeError } from './context.ts';
import { badRequest, methodNotAllowed, unauthorized } from './errors.ts';

export const CA_CERTS_PATH = '/cacerts';
export const NODE_CERTIFICATE_PATH = '/v1-skiff/node-certificate';
/** A certificate request is well under 1 KiB; anything much larger is not one. */
const MAX_REQUEST_BYTES = 64 * 1024;

export interface NodeJoinOptions {
  /** The cluster CA, which signs node certificates. */
  ca: { certPem: string; keyPem: string };
  /** The secret of the node-join token (`K10<hash>::server:<secret>`). */
  joinSecret: string;
  /** Checks (or records) a node's password; throws a 403 StatusError on a mismatch. */
  passwords: { verify(nodeName: string, password: string): Promise<void> };
  log: (line: string) => void;
}

/** Answers the join paths; returns false for any other path, which the caller then serves. */
export type NodeJoinHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;

export function createNodeJoinHandler(options: NodeJoinOptions): NodeJoinHandler {
  const secretDigest = digest(options.joinSecret);
  return async (req, res, path) => {
    if (path !== CA_CERTS_PATH && path !== NODE_CERTIFICATE_PATH) return false;
    try {
      if (path === CA_CERTS_PATH) {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
        writePem(res, 200, options.ca.certPem);
        return true;
      }
      if (req.method !== 'POST') throw methodNotAllowed();
      const secret = presentedSecret(req.headers.authorization);
      if (secret === undefined || !timingSafeEqual(digest(secret), secretDigest)) throw unauthorized();
      const password = req.headers[NODE_PASSWORD_HEADER];
      if (typeof password !== 'string' || !password) throw badRequest(`the request carries no node password (header ${NODE_PASSWORD_HEADER})`);
      const csrPem = (await readBody(req, MAX_REQUEST_BYTES)).toString('utf8');
      const { certPem, nodeName } = await signNodeCertificateRequest(options.ca, csrPem).catch((err) => {
        throw err instanceof NodeCertificateRequestError ? badRequest(err.message) : err;
      });
      // The node's name is known once its request is read; a refused certificate is never sent.
      await options.passwords.verify(nodeName, password);
      options.log(`node-join: issued a client certificate to node ${nodeName} (${req.socket.remoteAddress ?? 'unknown address'})`);
      writePem(res, 201, certPem);
    } catch (err) {
      writeError(res, err, options.log);
    }
    return true;
  };
}

/** The secret of `Bearer <secret>` or `Basic base64(node:<secret>)`. */
function presentedSecret(authorization: string | undefined): string | undefined {
  const [scheme, value, ...rest] = (authorization ?? '').trim().split(/\s+/);
  if (!scheme || !value || rest.length) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(0, colon) === 'node' ? decoded.slice(colon + 1) : undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function writePem(res: ServerResponse, code: number, pem: string): void {
  res.writeHead(code, { 'Content-Type': 'application/x-pem-file', 'Content-Length': Buffer.byteLength(pem), 'Cache-Control': 'no-cache, private' });
  res.end(pem);
}
