/**
 * The kubelet's TLS bootstrap, the node's side of joining a cluster with a join token
 * (`K10<CA hash>::server:<secret>`):
 * 1. fetch the server's CA (`GET /cacerts`, before any trust) and check its SHA-256 against the
 *    hash the token pins — a mismatch means another cluster, or someone in between: refuse;
 * 2. make a key and a certificate request for `system:node:<name>`, and have the server sign
 *    it, authenticated by the token's secret, over TLS now verified against that CA; the
 *    request carries the node's password (`AGENT_DIR/node-password`, made once, 0600), which
 *    the server records for the name on first contact and demands on every later one;
 * 3. keep the result as `AGENT_DIR/kubelet.kubeconfig` (0600), reused on every later start
 *    while it still fits (same server and CA, same node, not near expiry).
 * Every failure is a {@link NodeJoinError} whose message is one line saying what to do.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { loadKubeconfig } from '../client/kubeconfig.ts';
import { writeKubeconfig } from '../apiserver/auth/kubeconfig.ts';
import { createNodeCertificateRequest } from '../apiserver/auth/node-certificate.ts';
import { NODE_PASSWORD_HEADER } from '../apiserver/auth/node-password.ts';
import { caHash, parseJoinToken } from '../apiserver/auth/tokens.ts';
import { readFileIfExists } from '../apiserver/auth/credential-files.ts';
import { CA_CERTS_PATH, NODE_CERTIFICATE_PATH } from '../apiserver/node-join.ts';

/** Renew the node certificate this long before it expires. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Joining failed; the message is the one line to show. `unreachable` when the server could not
 * be reached at all (not started yet, say): worth another try, unlike a refusal.
 */
export class NodeJoinError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown; unreachable?: boolean },
  ) {
    super(message, options);
    this.name = 'NodeJoinError';
    this.unreachable = options?.unreachable ?? false;
  }

  readonly unreachable: boolean;
}

export interface NodeJoinOptions {
  /** The server's URL, e.g. https://10.0.0.1:6443. */
  server: string;
  /** The join token (the content of the server's DATA_DIR/server/node-token). */
  token: string;
  nodeName: string;
  /** The agent's directory (DATA_DIR/agent), where the kubeconfig is kept. */
  agentDir: string;
  log: (line: string) => void;
  /** Default: the system clock. */
  now?: () => Date;
}

/** The kubeconfig file name under the agent's directory. */
export const NODE_KUBECONFIG = 'kubelet.kubeconfig';
/** The node password's file name under the agent's directory. */
export const NODE_PASSWORD_FILE = 'node-password';

/**
 * Returns the path of a kubeconfig with this node's credentials, joining the cluster first
 * unless a kept one still fits.
 * @throws NodeJoinError
 */
export async function ensureNodeKubeconfig(options: NodeJoinOptions): Promise<string> {
  const server = options.server.replace(/\/+$/, '');
  const token = parseJoinToken(options.token);
  if (!token) throw new NodeJoinError('the join token is malformed: pass --token with the content of DATA_DIR/server/node-token on the server');
  const path = join(options.agentDir, NODE_KUBECONFIG);
  const now = (options.now ?? (() => new Date()))();
  if (await keptKubeconfigFits(path, server, token.caHash, options.nodeName, now)) return path;

  const caPem = await fetchCa(server);
  const presented = caHash(caPem);
  if (token.caHash && presented !== token.caHash) {
    throw new NodeJoinError(`the server's CA does not match the token: the token pins sha256 ${token.caHash}, ${server} presents ${presented}`);
  }
  if (!token.caHash) options.log(`node-join: the token pins no CA; trusting the CA ${server} presents (sha256 ${presented})`);

  const password = await ensureNodePassword(options.agentDir);
  const { csrPem, keyPem } = await createNodeCertificateRequest(options.nodeName);
  const certPem = await requestCertificate(server, caPem, token.secret, password, csrPem);
  await writeKubeconfig(path, { server, caCertPem: caPem, user: { clientCertPem: certPem, clientKeyPem: keyPem } });
  options.log(`node-join: joined ${server} as node ${options.nodeName}; credentials in ${path}`);
  return path;
}

/**
 * This node's password: made once and kept, so that a restarted agent is still the node the
 * server recorded, while a fresh data directory (another machine) is not.
 */
export async function ensureNodePassword(agentDir: string): Promise<string> {
  const path = join(agentDir, NODE_PASSWORD_FILE);
  const kept = await readFileIfExists(path);
  if (kept?.trim()) return kept.trim();
  if (kept !== undefined) throw new NodeJoinError(`the node password file ${path} is empty: delete it to make a new password`);
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  const password = randomBytes(24).toString('hex');
  try {
    await writeFile(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another start made it first: use that one.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return ensureNodePassword(agentDir);
    throw new NodeJoinError(`cannot keep the node password in ${path}: ${(err as Error).message}`, { cause: err });
  }
  return password;
}

async function keptKubeconfigFits(path: string, server: string, pinned: string | undefined, nodeName: string, now: Date): Promise<boolean> {
  if ((await readFileIfExists(path)) === undefined) return false;
  try {
    const kept = await loadKubeconfig(path);
    if (kept.server !== server || !kept.caPem || !kept.clientCertPem || !kept.clientKeyPem) return false;
    if (pinned && caHash(kept.caPem) !== pinned) return false;
    const cert = new X509Certificate(kept.clientCertPem);
    return cert.subject.split('\n').includes(`CN=system:node:${nodeName}`) && new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** The CA the server presents. Not verified here: the caller checks it against the token. */
async function fetchCa(server: string): Promise<string> {
  const { status, body } = await send(server, CA_CERTS_PATH, { method: 'GET', rejectUnauthorized: false });
  if (status !== 200) throw new NodeJoinError(`${server}${CA_CERTS_PATH} answered ${status}: is ${server} a Skiff server?`);
  try {
    new X509Certificate(body);
  } catch (err) {
    throw new NodeJoinError(`${server}${CA_CERTS_PATH} did not answer a CA certificate: is ${server} a Skiff server?`, { cause: err });
  }
  return body;
}

async function requestCertificate(server: string, caPem: string, secret: string, password: string, csrPem: string): Promise<string> {
  const { status, body } = await send(server, NODE_CERTIFICATE_PATH, {
    method: 'POST',
    ca: caPem,
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/pkcs10', [NODE_PASSWORD_HEADER]: password },
    body: csrPem,
  });
  if (status === 401) throw new NodeJoinError(`the server refused the join token (401 Unauthorized): pass --token with the content of DATA_DIR/server/node-token on the server`);
  // The server's message already names the node and the ways out.
  if (status === 403) throw new NodeJoinError(statusMessage(body));
  if (status !== 201) throw new NodeJoinError(`the server did not issue a node certificate (${status}): ${statusMessage(body)}`);
  return body;
}

function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

interface SendOptions {
  method: string;
  rejectUnauthorized?: boolean;
  ca?: string;
  headers?: Record<string, string>;
  body?: string;
}

function send(server: string, path: string, options: SendOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), {
      method: options.method,
      headers: options.headers,
      ca: options.ca,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      timeout: REQUEST_TIMEOUT_MS,
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const unreachable = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'].includes(err.code ?? '');
      reject(new NodeJoinError(`cannot reach the server at ${server}: ${describe(err)}`, { cause: err, unreachable }));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.end(options.body);
  });
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `its serving certificate does not cover this address (restart it with --tls-san): ${err.message}`;
  return err.code ? `${err.code} ${err.message}` : err.message;
}
