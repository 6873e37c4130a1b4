/**
 * Kubeconfig files, the credential format every Kubernetes client reads. Certificates and keys
 * are embedded (base64 `*-data` fields) so the file works wherever it is copied. The cluster,
 * user and context are all named "default", as k3s names them.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from './credential-files.ts';

export interface KubeconfigOptions {
  /** The API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  /** The CA the client must verify the server against. */
  caCertPem: string;
  /** Credentials: a client certificate and key, a bearer token, or both. */
  user: { clientCertPem?: string; clientKeyPem?: string; token?: string };
  /** Default "default". */
  clusterName?: string;
  /** Default "default". */
  userName?: string;
  /** Default "default"; it is also the current context. */
  contextName?: string;
}

/** The kubeconfig as YAML text. */
export function kubeconfigFor(options: KubeconfigOptions): string {
  const clusterName = options.clusterName ?? 'default';
  const userName = options.userName ?? 'default';
  const contextName = options.contextName ?? 'default';
  const user: Record<string, string> = {};
  if (options.user.clientCertPem) user['client-certificate-data'] = base64(options.user.clientCertPem);
  if (options.user.clientKeyPem) user['client-key-data'] = base64(options.user.clientKeyPem);
  if (options.user.token) user.token = options.user.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: clusterName, cluster: { server: options.server, 'certificate-authority-data': base64(options.caCertPem) } },
    ],
    contexts: [{ name: contextName, context: { cluster: clusterName, user: userName } }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: userName, user }],
  });
}

/** Writes the kubeconfig to `path` (mode 0600, atomically), creating its directory if needed. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, kubeconfigFor(options), 0o600);
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
