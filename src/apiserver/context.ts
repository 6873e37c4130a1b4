/**
 * What a resource handler gets for one request — the parsed request, the resource it
 * addresses, the authenticated user and the server's parts — and the helpers that write
 * objects and Status errors back in the negotiated representation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import type { ResourceInfo } from '../api/resource.ts';
import type { WatchCache } from '../storage/watch-cache.ts';
import type { UserInfo } from './auth/authenticate.ts';
import type { Admission } from './auth/node-restriction.ts';
import type { KubeletClientCredentials } from './kubelet-proxy.ts';
import type { ServiceAccountTokens } from './auth/service-account-tokens.ts';
import { internalError, serviceUnavailable, StatusError, type Status } from './errors.ts';
import { StoreUnavailableError } from '../storage/store.ts';
import { contentTypeOf, type Representation } from './negotiation.ts';
import { encodeResponse, PROTOBUF_CONTENT_TYPE } from './protobuf/index.ts';
import type { Registry } from './registry/registry.ts';
import type { ObjectStore } from './registry/object-store.ts';
import type { StateCache } from '../storage/state-cache.ts';
import type { RequestInfo } from './request-info.ts';

export interface ServerParts {
  registry: Registry;
  objects: ObjectStore;
  watchCache: WatchCache;
  /** Current state in memory, for lists and watches' initial state; absent, they read the store. */
  stateCache?: StateCache;
  /** Seconds between watch bookmarks (upstream: about a minute). */
  bookmarkIntervalSeconds: number;
  /** Called for server errors worth a log line. */
  log: (line: string) => void;
  /** The client certificate the server presents to kubelets (logs, exec, attach, port-forward). */
  kubeletClient?: KubeletClientCredentials;
  /** Issues service account tokens (serviceaccounts/<name>/token); absent, that subresource is not served. */
  serviceAccountTokens?: ServiceAccountTokens;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  resource: ResourceInfo;
  user: UserInfo;
  parts: ServerParts;
  /** Warnings to send as `Warning: 299 - "..."` headers. */
  warnings: string[];
  /** The authorizer's checks of the objects this request writes (a node may create only its own Node, …). */
  admission?: Admission;
}

function setWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length && !res.headersSent) {
    res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  }
}

export function writeJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', warnings: string[] = []): void {
  writeJsonText(res, code, JSON.stringify(body), contentType, warnings);
}

/** Like {@link writeJson}, for a body already serialized. */
export function writeJsonText(res: ServerResponse, code: number, text: string, contentType = 'application/json', warnings: string[] = []): void {
  setWarnings(res, warnings);
  // Encoded once: Content-Length from the string's byte length, then the socket's own encoding
  // of it, went over a list page's megabyte twice (the byte count alone was 14% of a profile of
  // informers relisting 150,000 pods).
  const body = Buffer.from(text);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
  res.end(body);
}

/** Writes `body` as the negotiated representation (JSON, YAML or protobuf; tables are built by callers). */
export function writeBody(ctx: Pick<RequestContext, 'res' | 'warnings'>, code: number, body: unknown, rep: Representation): void {
  if (rep.as === 'object' && rep.format === 'protobuf') {
    const encoded = encodeResponse(body);
    if (encoded) {
      setWarnings(ctx.res, ctx.warnings);
      ctx.res.writeHead(code, { 'Content-Type': PROTOBUF_CONTENT_TYPE, 'Content-Length': encoded.length, 'Cache-Control': 'no-cache, private' });
      ctx.res.end(encoded);
      return;
    }
    // A kind with no protobuf form here is answered in JSON, which every client also takes.
    writeJson(ctx.res, code, body, 'application/json', ctx.warnings);
    return;
  }
  if (rep.as === 'object' && rep.format === 'yaml') {
    const text = toYaml(body);
    setWarnings(ctx.res, ctx.warnings);
    ctx.res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(text) });
    ctx.res.end(text);
    return;
  }
  writeJson(ctx.res, code, body, contentTypeOf(rep), ctx.warnings);
}

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StoreUnavailableError) return serviceUnavailable(`the datastore is unavailable: ${err.message}`);
  return err instanceof StatusError ? err : internalError(err);
}

export function writeError(res: ServerResponse, err: unknown, log?: (line: string) => void): void {
  const se = toStatusError(err);
  if (se.code >= 500 && log) log(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status: Status = se.toStatus();
  const headers: Record<string, string | number> = {};
  if (se.details?.retryAfterSeconds) headers['Retry-After'] = se.details.retryAfterSeconds;
  const text = JSON.stringify(status);
  res.writeHead(se.code, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** A success Status, as returned by deletes that removed the object. */
export function successStatus(details: Record<string, unknown>): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
