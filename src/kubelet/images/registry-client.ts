/**
 * A client for one repository of an OCI / Docker registry (the distribution API v2): manifests
 * and blobs, with Bearer token auth as the registry's WWW-Authenticate challenge describes it
 * (realm, service, scope; basic credentials exchanged for a token) or plain Basic auth.
 * Loopback registries and those listed as insecure are spoken to over HTTP, the rest over HTTPS.
 * Failures are RegistryErrors carrying the registry's own message (e.g. "manifest unknown").
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { RegistryAuth } from './image-service.ts';
import { MANIFEST_ACCEPT } from './manifest.ts';

/** A registry answered with an error (its message included) or could not be reached. */
export class RegistryError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the registry answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

/** Credentials, HTTP registries and cancellation for a pull. */
export interface RegistryClientOptions {
  /** Credentials for any registries; the one matching this registry is used. */
  auth?: RegistryAuth[];
  /** Registry hosts (as written in references, with port) spoken to over plain HTTP. */
  insecureRegistries?: string[];
  signal?: AbortSignal;
}

/** A manifest as the registry served it. */
export interface FetchedManifest {
  body: Buffer;
  contentType?: string;
  /** sha256 of the body, as the registry addresses it. */
  digest: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const MAX_REDIRECTS = 5;

/** One repository (`domain/path`) of one registry. */
export class RegistryClient {
  private readonly base: URL;
  private readonly credentials?: { username: string; password: string };
  private authorization?: string;

  constructor(
    private readonly domain: string,
    private readonly repository: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.base = new URL(`${repository}/`, registryEndpoint(domain, options.insecureRegistries));
    this.credentials = credentialsFor(domain, options.auth ?? []);
    if (this.credentials) this.authorization = basic(this.credentials);
  }

  /** Fetches a manifest by tag or digest. */
  async manifest(reference: string): Promise<FetchedManifest> {
    const res = await this.get(`manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    const body = await readAll(res);
    return { body, contentType: res.headers['content-type'], digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
  }

  /** Streams a blob; the caller checks its digest while storing it. */
  async blob(digest: string): Promise<IncomingMessage> {
    return this.get(`blobs/${digest}`, {});
  }

  private async get(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
    let url = new URL(path, this.base);
    let challenged = false;
    for (let redirects = 0; ; ) {
      // Credentials go to the registry only, never to a storage backend it redirects to.
      const sameHost = url.host === this.base.host;
      const res = await request(url, { ...headers, ...(sameHost && this.authorization ? { authorization: this.authorization } : {}) }, this.options.signal);
      const status = res.statusCode ?? 0;
      if (status === 401 && sameHost && !challenged) {
        challenged = true;
        const challenge = res.headers['www-authenticate'];
        const detail = await errorDetail(res);
        if (!challenge) throw new RegistryError(detail || 'unauthorized', status);
        await this.authenticate(challenge);
        continue;
      }
      if (status >= 300 && status < 400 && res.headers.location && redirects++ < MAX_REDIRECTS) {
        res.resume();
        url = new URL(res.headers.location, url);
        continue;
      }
      if (status !== 200) {
        const detail = await errorDetail(res);
        throw new RegistryError(detail || `unexpected status ${status} ${res.statusMessage ?? ''} from GET ${url.href}`.trim(), status);
      }
      return res;
    }
  }

  /** Answers a WWW-Authenticate challenge: Bearer → fetch a token from the realm; Basic → send credentials. */
  private async authenticate(challenge: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') {
      if (!this.credentials) throw new RegistryError('unauthorized: authentication required (no credentials for this registry)', 401);
      this.authorization = basic(this.credentials);
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryError(`unsupported authentication challenge: ${challenge}`, 401);
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.repository}:pull`);
    const res = await request(realm, this.credentials ? { authorization: basic(this.credentials) } : {}, this.options.signal);
    if (res.statusCode !== 200) {
      throw new RegistryError(`failed to fetch an auth token from ${realm.origin}${realm.pathname}: ${(await errorDetail(res)) || `status ${res.statusCode}`}`, res.statusCode);
    }
    const body = JSON.parse((await readAll(res)).toString()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`auth server ${realm.origin} returned no token`, res.statusCode);
    this.authorization = `Bearer ${token}`;
  }
}

/**
 * The API root (`.../v2/`) for a registry as references name it: Docker Hub's API host for
 * docker.io; plain HTTP for loopback hosts and those listed as insecure, HTTPS otherwise.
 */
export function registryEndpoint(domain: string, insecureRegistries: string[] = []): URL {
  const host = domain === DOCKER_HUB ? DOCKER_HUB_API : domain;
  const plain = isLoopback(domain) || insecureRegistries.includes(domain);
  return new URL(`${plain ? 'http' : 'https'}://${host}/v2/`);
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."`. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space === -1 ? '' : header.slice(space + 1)).matchAll(pattern)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return { scheme, params };
}

function isLoopback(domain: string): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

/** The credentials whose registry names this domain (docker.io under any of its aliases). */
function credentialsFor(domain: string, auths: RegistryAuth[]): { username: string; password: string } | undefined {
  const canonical = (registry: string) => {
    const host = registry.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
    return ['index.docker.io', DOCKER_HUB_API, 'registry.hub.docker.com'].includes(host) ? DOCKER_HUB : host;
  };
  const match = auths.find((a) => canonical(a.registry) === canonical(domain));
  if (!match) return undefined;
  if (match.username !== undefined && match.password !== undefined) return { username: match.username, password: match.password };
  if (match.auth) {
    const decoded = Buffer.from(match.auth, 'base64').toString();
    const colon = decoded.indexOf(':');
    if (colon !== -1) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

function basic(c: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function request(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method: 'GET', headers: { 'user-agent': 'skiff-kubelet', ...headers }, signal }, resolve);
    req.on('error', (err) => reject(new RegistryError(`GET ${url.origin}${url.pathname}: ${err.message}`, undefined, { cause: err })));
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The registry's error messages (`{"errors":[{"code","message"}]}`), joined; '' when the body has none. */
async function errorDetail(res: IncomingMessage): Promise<string> {
  const text = (await readAll(res)).toString();
  try {
    const { errors } = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(errors) && errors.length) return errors.map((e) => e.message || e.code || '').join('; ');
  } catch {
    // Not JSON: fall through to the status line.
  }
  return '';
}
