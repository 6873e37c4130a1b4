/**
 * Paths that are not resources: health checks, /version, discovery (legacy lists and the
 * aggregated form kubectl 1.32 asks for) and OpenAPI (v2 and v3).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { catalogue } from '../api/catalogue.ts';
import { writeJson } from './context.ts';
import * as discovery from './discovery.ts';
import { notAcceptable, pathNotFound } from './errors.ts';
import { openApiV3Discovery, openApiV3DocumentBody } from './openapi.ts';
import { openApiV2 } from './openapi-v2/index.ts';

/** The Kubernetes version Skiff speaks; build metadata names us, as k3s does. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+skiff' };

export function versionInfo(): object {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: 'skiff',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsx',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export interface HealthState {
  ready: () => boolean;
}

function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers a health path, or returns false when `path` is not one. */
export function handleHealth(path: string, query: URLSearchParams, res: ServerResponse, health: HealthState): boolean {
  const base = [...HEALTH_PATHS].find((p) => path === p || path.startsWith(p + '/'));
  if (!base) return false;
  const ok = base === '/livez' || health.ready();
  if (query.has('verbose')) {
    const checks = ['ping', 'log', 'etcd', 'poststarthook/start-apiserver'];
    const lines = checks.map((c) => `[+]${c} ok`);
    writeText(res, ok ? 200 : 500, `${lines.join('\n')}\n${base.slice(1)} check ${ok ? 'passed' : 'failed'}\n`);
  } else {
    writeText(res, ok ? 200 : 500, ok ? 'ok' : `${base.slice(1)} check failed`);
  }
  return true;
}

/** The address the client reached us on, which /api reports back (serverAddressByClientCIDRs). */
function serverAddressOf(req: IncomingMessage): string | undefined {
  const addr = req.socket.localAddress;
  if (!addr) return undefined;
  const host = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return `${host.includes(':') ? `[${host}]` : host}:${req.socket.localPort}`;
}

/** Serves discovery, /version and OpenAPI; throws 404 for anything else. */
export function handleNonResource(req: IncomingMessage, res: ServerResponse, path: string): void {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const accept = req.headers.accept;
  if (trimmed === '/version') return writeJson(res, 200, versionInfo());
  if (trimmed === '/api' || trimmed === '/apis') {
    const choice = discovery.negotiateDiscovery(accept);
    const prefix = trimmed === '/api' ? 'api' : 'apis';
    if (choice.kind === 'aggregated') {
      return writeJson(res, 200, discovery.aggregatedDiscovery(prefix, choice.version), choice.contentType);
    }
    return writeJson(res, 200, prefix === 'api' ? discovery.apiVersions({ serverAddress: serverAddressOf(req) }) : discovery.apiGroupList());
  }
  const segs = trimmed.split('/').filter(Boolean);
  if (segs[0] === 'api' && segs.length === 2) {
    const list = discovery.apiResourceList('', segs[1]);
    if (list) return writeJson(res, 200, list);
  }
  if (segs[0] === 'apis' && segs.length === 2) {
    const groups = (discovery.apiGroupList() as { groups: { name: string }[] }).groups;
    const group = groups.find((g) => g.name === segs[1]);
    if (group) return writeJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...group });
  }
  if (segs[0] === 'apis' && segs.length === 3) {
    const list = discovery.apiResourceList(segs[1], segs[2]);
    if (list) return writeJson(res, 200, list);
  }
  if (trimmed === '/openapi/v2') {
    const doc = openApiV2(accept);
    if (!doc) throw notAcceptable('OpenAPI v2 is served as application/json or application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    res.writeHead(200, { 'Content-Type': doc.contentType, 'Content-Length': doc.body.length, ETag: doc.etag, Vary: 'Accept' });
    res.end(doc.body);
    return;
  }
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    if (accept && !/application\/json|\*\/\*/.test(accept)) throw notAcceptable('OpenAPI v3 is served as application/json only');
    if (segs.length === 2) return writeJson(res, 200, openApiV3Discovery(catalogue));
    const doc = openApiV3DocumentBody(catalogue, segs.slice(2).join('/'));
    if (doc) {
      // Documents are addressed by content hash, so clients may cache them for good.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc.body), ETag: `"${doc.hash}"`, 'Cache-Control': 'public, immutable' });
      res.end(doc.body);
      return;
    }
  }
  throw pathNotFound();
}
