/**
 * The server's two shared secrets, kept as files in the server directory:
 * - `token`: the cluster secret, which never leaves the server machine;
 * - `node-token`: what an operator hands to a joining node, in k3s's format
 *   `K10<sha256 of the CA certificate, hex>::server:<secret>`, so that the node can pin the CA
 *   before it trusts anything the server says.
 * Both are random (256 bits), created once, mode 0600, and reused on every later start. The
 * join token carries its own secret, distinct from the cluster secret, so handing it out
 * reveals nothing about the latter.
 */
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileIfExists, writeFileAtomic } from './credential-files.ts';

const JOIN_TOKEN_PREFIX = 'K10';
const JOIN_TOKEN_USER = 'server';

/** What a join token says: the CA hash to pin (absent for a bare secret) and the secret. */
export interface JoinToken {
  caHash?: string;
  secret: string;
}

/**
 * Returns the cluster secret and the node-join token, creating `serverDir/token` and
 * `serverDir/node-token` on first start. A join token whose CA hash no longer matches
 * `caCertPem` is rewritten with the same secret, so nodes keep joining with the right pin.
 */
export async function ensureTokens(serverDir: string, caCertPem: string): Promise<{ token: string; nodeToken: string }> {
  await mkdir(serverDir, { recursive: true, mode: 0o700 });
  const tokenPath = join(serverDir, 'token');
  const nodeTokenPath = join(serverDir, 'node-token');

  let token = (await readFileIfExists(tokenPath))?.trim();
  if (!token) {
    token = randomSecret();
    await writeFileAtomic(tokenPath, `${token}\n`, 0o600);
  }

  const hash = caHash(caCertPem);
  const existing = parseJoinToken((await readFileIfExists(nodeTokenPath)) ?? '');
  if (existing?.caHash === hash) return { token, nodeToken: formatJoinToken(hash, existing.secret) };
  const nodeToken = formatJoinToken(hash, existing?.secret ?? randomSecret());
  await writeFileAtomic(nodeTokenPath, `${nodeToken}\n`, 0o600);
  return { token, nodeToken };
}

/** The SHA-256 of the CA certificate's DER encoding, lower-case hex: what a join token pins. */
export function caHash(caCertPem: string): string {
  return createHash('sha256').update(new X509Certificate(caCertPem).raw).digest('hex');
}

/**
 * Reads a join token: the full `K10<hash>::<user>:<secret>` form, or a bare secret (which pins
 * no CA). Surrounding whitespace is ignored.
 * @returns undefined for an empty or malformed token
 */
export function parseJoinToken(text: string): JoinToken | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (!trimmed.startsWith(JOIN_TOKEN_PREFIX)) return /\s|::/.test(trimmed) ? undefined : { secret: trimmed };
  const match = /^K10([0-9a-f]{64})::[^:\s]+:(\S+)$/i.exec(trimmed);
  if (!match) return undefined;
  return { caHash: match[1].toLowerCase(), secret: match[2] };
}

/** A join token in k3s's format, pinning the CA whose hash is `hash`. */
export function formatJoinToken(hash: string, secret: string): string {
  return `${JOIN_TOKEN_PREFIX}${hash}::${JOIN_TOKEN_USER}:${secret}`;
}

function randomSecret(): string {
  return randomBytes(32).toString('hex');
}
