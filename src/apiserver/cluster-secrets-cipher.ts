/**
 * Sealing the cluster's shared secrets for the datastore, as k3s does with its bootstrap data:
 * a key derived from the server token (scrypt, random salt) encrypts them with AES-256-GCM. The
 * datastore alone (a backup, an etcd snapshot, an export file) then reveals nothing, and only a
 * server given the token can open them. GCM's tag is the token check: a wrong token, like a
 * tampered envelope, fails authentication instead of yielding garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';

/** What every server of one cluster must hold alike, all PEM except the join secret. */
export interface ClusterSecrets {
  /** The cluster CA: it signs every serving and client certificate. */
  ca: { certPem: string; keyPem: string };
  /** The key that signs service account tokens, so any server accepts any server's tokens. */
  serviceAccountKeyPem: string;
  /** The secret half of the node-join token, so a node joins through any server. */
  nodeTokenSecret: string;
}

/** The token does not open the sealed secrets (wrong token, or an altered envelope). */
export class WrongTokenError extends Error {
  constructor() {
    super('the token does not match this cluster: pass --token with the contents of DATA_DIR/server/token from a server already in the cluster');
    this.name = 'WrongTokenError';
  }
}

/** The stored form, versioned so the KDF parameters can change without breaking old clusters. */
interface Envelope {
  version: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  iv: string;
  tag: string;
  data: string;
}

/** scrypt's interactive-login cost (16 MiB, tens of ms): paid once per server start. */
const KDF = { N: 16384, r: 8, p: 1 };
/** Binds the ciphertext to its purpose: the same token's key cannot open something else. */
const AAD = Buffer.from('skiff cluster bootstrap v1');

/** Encrypts `secrets` with a key derived from `token`; returns the envelope as JSON text. */
export async function sealClusterSecrets(secrets: ClusterSecrets, token: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(token, salt, KDF);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  const envelope: Envelope = {
    version: 1,
    kdf: { name: 'scrypt', ...KDF, salt: salt.toString('base64') },
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return JSON.stringify(envelope);
}

/**
 * Decrypts an envelope made by {@link sealClusterSecrets}.
 * @throws WrongTokenError when `token` is not the one it was sealed with, or it was altered
 * @throws Error when the text is not an envelope this version understands
 */
export async function openClusterSecrets(sealed: string, token: string): Promise<ClusterSecrets> {
  const envelope = parseEnvelope(sealed);
  const { N, r, p, salt } = envelope.kdf;
  const key = await deriveKey(token, Buffer.from(salt, 'base64'), { N, r, p });
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(AAD);
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
  } catch {
    throw new WrongTokenError();
  }
  return JSON.parse(plain.toString('utf8')) as ClusterSecrets;
}

function parseEnvelope(text: string): Envelope {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(text) as Envelope;
  } catch (err) {
    throw new Error('the cluster bootstrap data in the datastore is not valid JSON', { cause: err });
  }
  if (envelope?.version !== 1 || envelope.kdf?.name !== 'scrypt') {
    throw new Error(`the cluster bootstrap data in the datastore has an unknown format (version ${String(envelope?.version)})`);
  }
  return envelope;
}

function deriveKey(token: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // Node refuses scrypt above maxmem (32 MiB by default); allow what the parameters need.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => scrypt(token, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
}
