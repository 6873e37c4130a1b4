/**
 * The server directory's copy of the cluster's shared secrets: the CA pair, the service account
 * signing key, the cluster token and the node-join token. The first server of a cluster makes
 * them; a joining server overwrites its own with the cluster's, file by file, each atomically.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { clusterCaFiles, ensureClusterCa } from './auth/pki.ts';
import { readFileIfExists, writeFileAtomic } from './auth/credential-files.ts';
import { ensureServiceAccountTokens, serviceAccountKeyPath } from './auth/service-account-tokens.ts';
import { caHash, ensureTokens, formatJoinToken, parseJoinToken } from './auth/tokens.ts';
import type { ClusterSecrets } from './cluster-secrets-cipher.ts';

/** This server's token and secrets. */
export interface LocalClusterSecrets {
  token: string;
  secrets: ClusterSecrets;
}

/** The cluster token file (`DATA_DIR/server/token`). */
export function tokenPath(serverDir: string): string {
  return join(serverDir, 'token');
}

/**
 * Reads this server's secrets, creating whichever are missing (a new cluster's first start).
 * A `token` given by the operator replaces the token file's content.
 */
export async function ensureLocalClusterSecrets(serverDir: string, token?: string): Promise<LocalClusterSecrets> {
  await mkdir(serverDir, { recursive: true, mode: 0o700 });
  if (token !== undefined) await writeIfChanged(tokenPath(serverDir), `${token}\n`);
  const ca = await ensureClusterCa(serverDir);
  await ensureServiceAccountTokens(serverDir);
  const tokens = await ensureTokens(serverDir, ca.certPem);
  const serviceAccountKeyPem = await readFileIfExists(serviceAccountKeyPath(serverDir));
  const nodeTokenSecret = parseJoinToken(tokens.nodeToken)?.secret;
  if (!serviceAccountKeyPem || !nodeTokenSecret) throw new Error(`the server directory ${serverDir} lost its secrets while starting`);
  return { token: tokens.token, secrets: { ca: { certPem: ca.certPem, keyPem: ca.keyPem }, serviceAccountKeyPem, nodeTokenSecret } };
}

/**
 * Makes this server's files hold the cluster's secrets and token, rewriting only what differs.
 * The CA key goes before its certificate, so a crash in between shows as a mismatch that the
 * next start repairs (it rewrites both from the datastore again).
 * @returns whether the CA changed (the server's own leaf certificates must then be re-issued)
 */
export async function writeLocalClusterSecrets(serverDir: string, local: LocalClusterSecrets): Promise<{ caChanged: boolean }> {
  const { secrets } = local;
  const caFiles = clusterCaFiles(serverDir);
  await mkdir(dirname(caFiles.key), { recursive: true, mode: 0o700 });
  const keyChanged = await writeIfChanged(caFiles.key, secrets.ca.keyPem);
  const certChanged = await writeIfChanged(caFiles.cert, secrets.ca.certPem, 0o644);
  await writeIfChanged(serviceAccountKeyPath(serverDir), secrets.serviceAccountKeyPem);
  await writeIfChanged(tokenPath(serverDir), `${local.token}\n`);
  await writeIfChanged(join(serverDir, 'node-token'), `${formatJoinToken(caHash(secrets.ca.certPem), secrets.nodeTokenSecret)}\n`);
  return { caChanged: keyChanged || certChanged };
}

async function writeIfChanged(path: string, content: string, mode = 0o600): Promise<boolean> {
  if ((await readFileIfExists(path)) === content) return false;
  await writeFileAtomic(path, content, mode);
  return true;
}
