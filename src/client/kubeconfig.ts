/**
 * Reads a kubeconfig file (the format kubectl reads) into what a client needs to reach the
 * cluster of its current context: the server URL, the CA to trust and the credentials.
 */
import type { Duplex } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ClusterConnection {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM of the CA the server's certificate must chain to; absent: the system's roots. */
  caPem?: string;
  /** Client certificate and key (PEM), for certificate authentication. */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Bearer token. */
  token?: string;
  /** `insecure-skip-tls-verify`: accept any server certificate. */
  insecureSkipTlsVerify?: boolean;
  /**
   * Opens a connection to the server in this very process (the API server's loopback, for the
   * controller manager and scheduler of `skiff server`); plain HTTP over it, no TLS or credentials.
   */
  connect?: () => Duplex;
}

/**
 * The connection of `context` (default: the file's current-context). Embedded `*-data` fields
 * win over file paths, which are relative to the kubeconfig's folder, as kubectl reads them.
 */
export async function loadKubeconfig(path: string, context?: string): Promise<ClusterConnection> {
  const doc = parse(await readFile(path, 'utf8')) ?? {};
  const base = dirname(path);
  const contextName = context ?? doc['current-context'];
  const ctx = pick(doc.contexts, contextName, 'context')?.context ?? (!contextName && doc.contexts?.length === 1 ? doc.contexts[0].context : undefined);
  if (!ctx) throw new Error(`kubeconfig ${path}: no context "${contextName ?? ''}"`);
  const cluster = pick(doc.clusters, ctx.cluster, 'cluster')?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${ctx.cluster}" has no server`);
  const user = pick(doc.users, ctx.user, 'user')?.user ?? {};
  const conn: ClusterConnection = { server: String(cluster.server).replace(/\/+$/, '') };
  const ca = await material(cluster['certificate-authority-data'], cluster['certificate-authority'], base);
  if (ca) conn.caPem = ca;
  const cert = await material(user['client-certificate-data'], user['client-certificate'], base);
  if (cert) conn.clientCertPem = cert;
  const key = await material(user['client-key-data'], user['client-key'], base);
  if (key) conn.clientKeyPem = key;
  const token = user.token ?? (user.tokenFile ? (await readFile(resolve(base, user.tokenFile), 'utf8')).trim() : undefined);
  if (token) conn.token = String(token);
  if (cluster['insecure-skip-tls-verify'] === true) conn.insecureSkipTlsVerify = true;
  return conn;
}

/** The entry called `name` of a kubeconfig list (clusters, users, contexts) that has `field`. */
function pick(list: unknown, name: unknown, field: string): Record<string, any> | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.find((e) => e?.name === name && e[field] !== undefined);
}

async function material(data: unknown, file: unknown, base: string): Promise<string | undefined> {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
  if (typeof file === 'string' && file) return readFile(resolve(base, file), 'utf8');
  return undefined;
}
