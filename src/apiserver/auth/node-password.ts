/**
 * Node passwords (k3s's defence against one join token minting certificates for any node):
 * every agent makes a random password once and sends it with each certificate request; the
 * server keeps a salted hash per node name in the Secret `kube-system/<node>.node-password.skiff`.
 * The first request for a name records its password; a later one must present the same.
 * This module is the pure part: the Secret's name, the hash, and the decision.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

/** The request header carrying the node's password (k3s: X-K3s-Node-Password). */
export const NODE_PASSWORD_HEADER = 'x-skiff-node-password';
export const NODE_PASSWORD_NAMESPACE = 'kube-system';
const SECRET_SUFFIX = '.node-password.skiff';
/** The Secret's data key holding the hash. */
export const NODE_PASSWORD_HASH_KEY = 'hash';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const HASH_SCHEME = 'scrypt';

/** The Secret that records node `nodeName`'s password hash. */
export function nodePasswordSecretName(nodeName: string): string {
  return `${nodeName}${SECRET_SUFFIX}`;
}

/** Whether `namespace/name` is a node-password Secret (which no node may read). */
export function isNodePasswordSecret(namespace: string, name: string): boolean {
  return namespace === NODE_PASSWORD_NAMESPACE && name.endsWith(SECRET_SUFFIX);
}

/** A salted hash of `password`: `scrypt$<salt>$<key>`, both base64. */
export async function hashNodePassword(password: string, salt = randomBytes(SALT_BYTES)): Promise<string> {
  const key = await scryptAsync(password, salt, KEY_BYTES);
  return [HASH_SCHEME, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `password` hashes to `hash` (made by {@link hashNodePassword}); false for a malformed hash. */
export async function nodePasswordMatches(hash: string, password: string): Promise<boolean> {
  const [scheme, salt, key, ...rest] = hash.split('$');
  if (scheme !== HASH_SCHEME || !salt || !key || rest.length) return false;
  const want = Buffer.from(key, 'base64');
  if (want.length !== KEY_BYTES) return false;
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'), KEY_BYTES);
  return timingSafeEqual(got, want);
}

/**
 * What to do with a certificate request for a node carrying `password`, given the hash kept
 * for that name (undefined: none yet): `record` the password, `accept` it, or `refuse` it.
 */
export async function decideNodePassword(keptHash: string | undefined, password: string): Promise<'record' | 'accept' | 'refuse'> {
  if (keptHash === undefined) return 'record';
  return (await nodePasswordMatches(keptHash, password)) ? 'accept' : 'refuse';
}

/** The refusal, naming both ways out. */
export function nodePasswordMismatchMessage(nodeName: string): string {
  return `node ${nodeName} is already registered with another password: delete the Secret ${NODE_PASSWORD_NAMESPACE}/${nodePasswordSecretName(nodeName)} if that node was replaced, or pick another --node-name`;
}
