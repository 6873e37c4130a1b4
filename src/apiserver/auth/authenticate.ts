/**
 * Request authentication: who is calling. A loopback connection (loopback.ts) carries the user
 * it was opened for; otherwise two methods, tried in upstream's order:
 * 1. a client certificate the TLS layer verified against the cluster CA — the user is the
 *    certificate's CN and the groups its O values;
 * 2. `Authorization: Bearer <token>` — looked up among the known tokens, else verified by
 *    signature (service account tokens).
 * Every authenticated user is also in `system:authenticated`. A request with neither is
 * anonymous (undefined); the server answers it 401 unless the path is public (public-paths.ts).
 */
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { loopbackUser } from '../loopback.ts';

/** The user a request acts as, as in authentication.k8s.io/v1 UserInfo. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AuthenticatorOptions {
  /** The only CA whose client certificates are accepted. */
  caCertPem: string;
  /**
   * Bearer token → user. Read on every request, so tokens added or removed later (e.g. a node's
   * bootstrap token) take effect at once.
   */
  tokens: Map<string, UserInfo>;
  /** The current time in milliseconds (default `Date.now`); a certificate stops counting once expired. */
  now?: () => number;
  /** Bearer tokens checked by signature rather than looked up (service account tokens). */
  verifyToken?: (token: string) => UserInfo | undefined;
}

/** Returns the request's user, or undefined when the request carries no valid credential. */
export type Authenticator = (req: IncomingMessage) => UserInfo | undefined;

export const AUTHENTICATED_GROUP = 'system:authenticated';

/** Builds the authenticator the API server runs on every request. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const ca = new X509Certificate(options.caCertPem);
  const now = options.now ?? Date.now;
  // A keep-alive connection carries many requests but one certificate: verify and parse it once.
  const certificateUsers = new WeakMap<Socket, CertificateUser | null>();
  // Clients that open a connection per request present the same certificate each time: check
  // its signature once (the fingerprint is a SHA-256 of the whole certificate).
  const verified = new Map<string, CertificateUser>();

  function certificateUser(socket: Socket): UserInfo | undefined {
    let entry = certificateUsers.get(socket);
    if (entry === undefined) {
      entry = isTlsSocket(socket) ? userFromPeerCertificate(socket, ca, verified) ?? null : null;
      certificateUsers.set(socket, entry);
    }
    // A connection (a long watch, say) can outlive its certificate.
    return entry && now() <= entry.notAfter ? entry.user : undefined;
  }

  return (req) => {
    const user = loopbackUser(req.socket) ?? certificateUser(req.socket) ?? tokenUser(req.headers.authorization, options.tokens) ?? verifiedTokenUser(req.headers.authorization, options.verifyToken);
    return user && withAuthenticatedGroup(user);
  };
}

interface CertificateUser {
  user: UserInfo;
  /** The certificate's expiry, in milliseconds since the epoch. */
  notAfter: number;
}

function isTlsSocket(socket: Socket): socket is TLSSocket {
  return 'getPeerCertificate' in socket;
}

/** `verified`: certificates already checked against `ca`, by fingerprint; emptied when full (a cluster has few client identities). */
function userFromPeerCertificate(socket: TLSSocket, ca: X509Certificate, verified: Map<string, CertificateUser>): CertificateUser | undefined {
  // `authorized` is set only when OpenSSL verified the chain against the server's `ca` option,
  // within its validity period and for client use (a certificate whose extended key usage lacks
  // clientAuth, such as the serving one, fails as upstream requires). The check against our CA
  // below still holds should the listener ever be given more roots.
  if (!socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) return undefined;
  const known = verified.get(peer.fingerprint256);
  if (known) return known;
  const cert = new X509Certificate(peer.raw);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
  const commonName = peer.subject?.CN;
  if (typeof commonName !== 'string' || commonName === '') return undefined;
  const entry = {
    user: { username: commonName, groups: values(peer.subject.O) },
    notAfter: new Date(cert.validTo).getTime(),
  };
  if (verified.size >= VERIFIED_CERTIFICATES_MAX) verified.clear();
  verified.set(peer.fingerprint256, entry);
  return entry;
}

const VERIFIED_CERTIFICATES_MAX = 4096;

/** Node gives a single attribute value as a string and repeated ones as an array. */
function values(attribute: string | string[] | undefined): string[] {
  if (attribute === undefined) return [];
  return Array.isArray(attribute) ? attribute : [attribute];
}

function tokenUser(authorization: string | undefined, tokens: Map<string, UserInfo>): UserInfo | undefined {
  const token = bearerToken(authorization);
  if (token === undefined) return undefined;
  // Compare digests of equal length, and visit every entry, so timing tells nothing about
  // how much of a guess was right or which token it resembled.
  const presented = digest(token);
  let found: UserInfo | undefined;
  for (const [known, user] of tokens) {
    if (timingSafeEqual(presented, digest(known)) && found === undefined) found = user;
  }
  return found;
}

function verifiedTokenUser(authorization: string | undefined, verify: AuthenticatorOptions['verifyToken']): UserInfo | undefined {
  const token = verify && bearerToken(authorization);
  return token ? verify(token) : undefined;
}

/** `Bearer <token>`, the scheme matched case-insensitively as upstream does. */
function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, token, ...rest] = authorization.trim().split(/\s+/);
  if (scheme.toLowerCase() !== 'bearer' || !token || rest.length > 0) return undefined;
  return token;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  const groups = user.groups.includes(AUTHENTICATED_GROUP) ? user.groups : [...user.groups, AUTHENTICATED_GROUP];
  return { ...user, groups };
}
