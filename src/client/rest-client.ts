/**
 * The typed REST client every component uses to reach the API server (DESIGN.md rule 1: never
 * the store). One generic set of verbs works for every resource in the catalogue: callers pass
 * the resource's {@link ResourceInfo} (`findResource`/`findByKind`) and the kubernetes-types type.
 *
 * Failed requests are retried with exponential backoff when retrying is safe and may help: on
 * connection failures and on 429 / 5xx answers (honouring Retry-After), a bounded number of
 * times; never on any other 4xx, which the caller gets at once as an {@link ApiError}.
 */
import type { Scale } from 'kubernetes-types/autoscaling/v1.js';
import type { DeleteOptions as MetaDeleteOptions, ListMeta, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { apiVersionOf, type ResourceInfo } from '../api/resource.ts';
import { ApiError, apiErrorFrom } from './api-error.ts';
import { realClock, sleep, type Clock } from './clock.ts';
import { loadKubeconfig, type ClusterConnection } from './kubeconfig.ts';
import { NodeHttpTransport, parseJsonText, requestWhole, type HttpRequest, type Transport, type WholeResponse } from './transport.ts';
import { decodeShared, openWatch, type Watch, type WatchEvent } from './watch-stream.ts';

export type { Watch, WatchEvent } from './watch-stream.ts';

/** Which resource a call is about: an entry of the catalogue. */
export type ResourceRef = ResourceInfo;

/** Any Kubernetes object: what the generic verbs need of a kubernetes-types type. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the answer's metadata.continue fetches the next page. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  /** Stream changes after this version; "" or "0" starts with an ADDED event per object. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the stream cleanly after this long. */
  timeoutSeconds?: number;
  /**
   * Not sent: events are parsed once for every watch of the process that shares them (see
   * decodeShared in watch-stream.ts), so they must be treated as read-only.
   */
  sharedDecode?: boolean;
}

/** How long a watch with bookmarks may stay silent before it is presumed dead: 2.5 bookmark intervals. */
export const WATCH_IDLE_TIMEOUT_MS = 150_000;

export type PatchType = 'merge' | 'strategic' | 'json';

export type DeleteOptions = Partial<Pick<MetaDeleteOptions, 'gracePeriodSeconds' | 'propagationPolicy' | 'preconditions' | 'dryRun'>>;

export interface WriteOptions {
  /** Recorded in managedFields. */
  fieldManager?: string;
  dryRun?: boolean;
}

export interface RetryPolicy {
  /** Retries after the first attempt. Default 5. */
  maxRetries: number;
  /** First backoff; it doubles per retry. Default 100 ms. */
  baseDelayMs: number;
  /** Backoff (and Retry-After) ceiling. Default 10 s. */
  maxDelayMs: number;
}

export interface RestClientOptions {
  /** Default: the real clock. */
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  /** A request (not a watch) still unanswered after this is abandoned (real time, kept by the transport). Default 60 s. */
  requestTimeoutMs?: number;
  userAgent?: string;
}

const CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** Connection failures that mean the request never reached the server: safe to resend any verb. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class RestClient {
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;
  private readonly headerSets = new Map<string, Readonly<Record<string, string>>>();

  constructor(
    private readonly transport: Transport,
    options: RestClientOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.retry = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 10_000, ...options.retry };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.userAgent = options.userAgent ?? 'skiff';
  }

  /** A client for the current context of the kubeconfig at `path`. */
  static async fromKubeconfig(path: string, options?: RestClientOptions & { context?: string }): Promise<RestClient> {
    return RestClient.fromConnection(await loadKubeconfig(path, options?.context), options);
  }

  static fromConnection(conn: ClusterConnection, options?: RestClientOptions): RestClient {
    return new RestClient(new NodeHttpTransport(conn), options);
  }

  /** Closes kept-alive connections; open watches are not affected. */
  close(): void {
    this.transport.close();
  }

  async get<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    return this.send<T>('GET', path(r, namespace, name));
  }

  /** One page (all of them when no `limit` is given) of the objects in `namespace`, or in every namespace. */
  async list<T extends KubeObject>(r: ResourceRef, namespace?: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const list = await this.send<KubeList<T>>('GET', path(r, namespace) + query({ ...options }));
    list.items ??= [];
    return list;
  }

  async create<T extends KubeObject>(r: ResourceRef, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.send<T>('POST', path(r, obj.metadata?.namespace) + query(writeQuery(options)), withType(r, obj));
  }

  /**
   * POST of an object the caller has already serialised (`json`, with apiVersion and kind), to
   * the collection in `namespace`; the created object is not read back. For writers of many
   * small objects whose answer they do not need (the event recorder): it spares building,
   * encoding and decoding an object per write.
   */
  async createSerialized(r: ResourceRef, namespace: string | undefined, json: string): Promise<void> {
    await this.send('POST', path(r, namespace), new Serialized(json), { discardAnswer: true });
  }

  /** PUT: a compare-and-swap when obj.metadata.resourceVersion is set (409 Conflict when stale). */
  async update<T extends KubeObject>(r: ResourceRef, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.send<T>('PUT', path(r, obj.metadata?.namespace, nameOf(obj)) + query(writeQuery(options)), withType(r, obj));
  }

  /** PUT of the status subresource: only status changes are kept. */
  async updateStatus<T extends KubeObject>(r: ResourceRef, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.send<T>('PUT', path(r, obj.metadata?.namespace, nameOf(obj), 'status') + query(writeQuery(options)), withType(r, obj));
  }

  /** PUT of another subresource that takes the whole object (e.g. namespaces/finalize). */
  async updateSubresource<T extends KubeObject>(r: ResourceRef, obj: T, subresource: string, options: WriteOptions = {}): Promise<T> {
    return this.send<T>('PUT', path(r, obj.metadata?.namespace, nameOf(obj), subresource) + query(writeQuery(options)), withType(r, obj));
  }

  async patch<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: PatchType, options: WriteOptions = {}): Promise<T> {
    return this.send<T>('PATCH', path(r, namespace, name) + query(writeQuery(options)), patch, { contentType: CONTENT_TYPES[type] });
  }

  async patchStatus<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: PatchType, options: WriteOptions = {}): Promise<T> {
    return this.send<T>('PATCH', path(r, namespace, name, 'status') + query(writeQuery(options)), patch, { contentType: CONTENT_TYPES[type] });
  }

  /**
   * Deletes `name`. Resolves to the object when it is only marked for deletion (a grace
   * period or finalizers keep it), to undefined when it is gone.
   */
  async delete<T extends KubeObject>(r: ResourceRef, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<T | undefined> {
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', ...options };
    const answer = await this.send<T>('DELETE', path(r, namespace, name), body);
    return answer?.kind === 'Status' ? undefined : answer;
  }

  /** Assigns pod `name` to `nodeName` (the scheduler's write); 409 when already bound. */
  async bind(namespace: string, name: string, nodeName: string, options: { uid?: string } = {}): Promise<void> {
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, ...(options.uid ? { uid: options.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    // The answer is a Status nobody reads: it is not decoded.
    await this.send('POST', `/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}/binding`, binding, { discardAnswer: true });
  }

  /**
   * Evicts pod `name`, respecting PodDisruptionBudgets. A budget's refusal (429) comes back at
   * once rather than being retried: the caller decides when to try again (kubectl drain does).
   */
  async evict(namespace: string, name: string, deleteOptions?: DeleteOptions): Promise<void> {
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, ...(deleteOptions ? { deleteOptions } : {}) };
    await this.send('POST', `/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}/eviction`, eviction, { retryTooManyRequests: false });
  }

  async getScale(r: ResourceRef, namespace: string, name: string): Promise<Scale> {
    return this.send<Scale>('GET', path(r, namespace, name, 'scale'));
  }

  async updateScale(r: ResourceRef, namespace: string, name: string, scale: Scale): Promise<Scale> {
    return this.send<Scale>('PUT', path(r, namespace, name, 'scale'), { apiVersion: 'autoscaling/v1', kind: 'Scale', ...scale });
  }

  /**
   * Streams the changes to `r` in `namespace` (or every namespace); see watch-stream.ts for
   * how it ends. A watch is not retried here: the informer decides what to do next.
   */
  watch<T extends KubeObject>(
    r: ResourceRef,
    namespace: string | undefined,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    onClose: (err?: Error) => void,
  ): Watch {
    const { sharedDecode, ...sent } = options;
    const request: HttpRequest = { method: 'GET', path: path(r, namespace) + query({ ...sent, watch: true }), headers: this.headers() };
    // A server that sends bookmarks sends one at least every minute (Skiff's and upstream's
    // watch caches both do), so a bookmarking watch silent for much longer has lost its peer.
    const idle = options.allowWatchBookmarks ? { clock: this.clock, timeoutMs: WATCH_IDLE_TIMEOUT_MS } : undefined;
    return openWatch(this.transport, request, onEvent, onClose, idle, sharedDecode ? decodeShared : undefined);
  }

  private headers(contentType?: string): Record<string, string> {
    // One frozen object per content type, shared by every request: the transport copies it.
    const key = contentType ?? '';
    let headers = this.headerSets.get(key);
    if (!headers) {
      headers = Object.freeze({ Accept: 'application/json', 'User-Agent': this.userAgent, ...(contentType ? { 'Content-Type': contentType } : {}) });
      this.headerSets.set(key, headers);
    }
    return headers;
  }

  /**
   * One API call with the retry policy of the module comment; a 2xx body is returned parsed
   * (or, with `discardAnswer`, read and dropped; error bodies are always decoded).
   * The transport keeps each attempt's deadline (requestTimeoutMs, body included).
   */
  private async send<T>(
    method: HttpRequest['method'],
    urlPath: string,
    body?: unknown,
    how: { contentType?: string; retryTooManyRequests?: boolean; discardAnswer?: boolean } = {},
  ): Promise<T> {
    const text = body === undefined ? undefined : body instanceof Serialized ? body.json : JSON.stringify(body);
    const headers = this.headers(text === undefined ? undefined : how.contentType ?? 'application/json');
    const retryTooManyRequests = how.retryTooManyRequests ?? true;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.retry.maxRetries;
      try {
        const res = await requestWhole(this.transport, { method, path: urlPath, headers, body: text, timeoutMs: this.requestTimeoutMs });
        if (how.discardAnswer && res.status >= 200 && res.status < 300) return undefined as T;
        const parsed = parseJsonText(res.text);
        if (res.status >= 200 && res.status < 300) return parsed as T;
        const err = apiErrorFrom(res.status, parsed);
        if (last || !((res.status === 429 && retryTooManyRequests) || res.status >= 500)) throw err;
        await sleep(this.clock, this.delay(attempt, retryAfterMs(res, err)));
      } catch (err) {
        if (err instanceof ApiError || last || !retriable(method, err)) throw err;
        await sleep(this.clock, this.delay(attempt));
      }
    }
  }

  private delay(attempt: number, retryAfter?: number): number {
    if (retryAfter !== undefined) return Math.min(retryAfter, this.retry.maxDelayMs);
    return Math.min(this.retry.baseDelayMs * 2 ** attempt, this.retry.maxDelayMs);
  }
}

/** A request body that is JSON text already. */
class Serialized {
  constructor(readonly json: string) {}
}

/**
 * A connection failure is worth retrying when the request surely never arrived, or when
 * sending it again cannot do harm (reads, and PUT/DELETE which are idempotent): a POST or
 * PATCH that may have been applied is not resent.
 */
function retriable(method: string, err: unknown): boolean {
  const code = (err as { code?: string }).code;
  if (code && NOT_SENT.has(code)) return true;
  return method === 'GET' || method === 'PUT' || method === 'DELETE';
}

function retryAfterMs(res: WholeResponse, err: ApiError): number | undefined {
  const header = res.headers['retry-after'];
  const seconds = header !== undefined ? Number(header) : err.status.details?.retryAfterSeconds;
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The URL path of a collection, an object, or an object's subresource. */
export function path(r: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${seg(namespace)}`;
  else if (r.namespaced && name) throw new Error(`${r.plural} "${name}": a namespace is required`);
  p += `/${r.plural}`;
  if (name !== undefined) p += `/${seg(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function seg(s: string): string {
  if (!s) throw new Error('empty name or namespace in a request path');
  return encodeURIComponent(s);
}

function nameOf(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('the object has no metadata.name');
  return name;
}

function withType<T extends KubeObject>(r: ResourceRef, obj: T): T {
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(r), kind: obj.kind ?? r.kind };
}

function writeQuery(options: WriteOptions): Record<string, unknown> {
  return { fieldManager: options.fieldManager, dryRun: options.dryRun ? 'All' : undefined };
}

function query(params: Record<string, unknown>): string {
  // Most writes carry no options: skip building a query for them.
  let any = false;
  for (const k in params) if (params[k] !== undefined && params[k] !== '') any = true;
  if (!any) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
