import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { findResource } from '../api/catalogue.ts';
import { ApiError, isConflict, isNotFound } from './api-error.ts';
import { FakeClock } from './fake-clock.test-support.ts';
import { path, RestClient, type WatchEvent } from './rest-client.ts';
import type { HttpRequest, HttpResponse, Transport } from './transport.ts';

const pods = findResource('', 'v1', 'pods')!;
const deployments = findResource('apps', 'v1', 'deployments')!;
const nodes = findResource('', 'v1', 'nodes')!;

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error | ((req: HttpRequest) => HttpResponse);

/** Answers requests from a script, recording them. */
class ScriptedTransport implements Transport {
  requests: HttpRequest[] = [];
  constructor(private answers: Answer[]) {}
  async request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    const a = this.answers.shift();
    if (!a) throw new Error('unexpected request');
    if (a instanceof Error) throw a;
    if (typeof a === 'function') return a(req);
    const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    return { status: a.status, headers: a.headers ?? {}, body: Readable.from(text ? [Buffer.from(text)] : []) };
  }
  close() {}
}

const status = (code: number, reason: string, message = reason) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message });
const connError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

/** Runs `fn` while advancing the fake clock until it settles; returns its outcome and the time it took. */
async function timed<T>(clock: FakeClock, fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; elapsed: number }> {
  const start = clock.now();
  let outcome: { value?: T; error?: unknown } | undefined;
  fn().then((value) => (outcome = { value }), (error) => (outcome = { error }));
  while (!outcome) await clock.advance(50);
  return { ...outcome, elapsed: clock.now() - start };
}

describe('RestClient', () => {
  test('builds upstream URL paths for core, grouped, cluster-scoped resources and subresources', () => {
    assert.equal(path(pods, 'default', 'web'), '/api/v1/namespaces/default/pods/web');
    assert.equal(path(pods), '/api/v1/pods');
    assert.equal(path(deployments, 'ns', 'd', 'scale'), '/apis/apps/v1/namespaces/ns/deployments/d/scale');
    assert.equal(path(nodes, undefined, 'n1', 'status'), '/api/v1/nodes/n1/status');
    assert.throws(() => path(pods, undefined, 'web'), /namespace is required/);
  });

  test('sends JSON with the right content types and query, and returns the parsed answer', async () => {
    const t = new ScriptedTransport([
      { status: 200, body: { kind: 'PodList', metadata: { resourceVersion: '7', continue: 'tok' }, items: [{ metadata: { name: 'a' } }] } },
      { status: 201, body: { kind: 'Pod', metadata: { name: 'b' } } },
      { status: 200, body: { kind: 'Pod', metadata: { name: 'b' } } },
      { status: 200, body: status(200, '') },
    ]);
    const c = new RestClient(t, { clock: new FakeClock() });
    const list = await c.list(pods, 'ns', { labelSelector: 'app=web', limit: 10 });
    assert.equal(list.items.length, 1);
    assert.equal(list.metadata.continue, 'tok');
    assert.equal(t.requests[0].path, '/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb&limit=10');
    await c.create(pods, { metadata: { name: 'b', namespace: 'ns' } }, { fieldManager: 'me' });
    assert.equal(t.requests[1].method, 'POST');
    assert.equal(t.requests[1].path, '/api/v1/namespaces/ns/pods?fieldManager=me');
    assert.deepEqual(JSON.parse(t.requests[1].body!), { metadata: { name: 'b', namespace: 'ns' }, apiVersion: 'v1', kind: 'Pod' });
    await c.patch(pods, 'ns', 'b', { metadata: { labels: { x: 'y' } } }, 'strategic');
    assert.equal(t.requests[2].headers?.['Content-Type'], 'application/strategic-merge-patch+json');
    assert.equal(await c.delete(pods, 'ns', 'b', { propagationPolicy: 'Foreground' }), undefined);
    assert.equal(JSON.parse(t.requests[3].body!).propagationPolicy, 'Foreground');
  });

  test('a 4xx comes back at once as an ApiError carrying the Status', async () => {
    const t = new ScriptedTransport([{ status: 404, body: status(404, 'NotFound', 'pods "x" not found') }, { status: 409, body: status(409, 'Conflict') }]);
    const c = new RestClient(t, { clock: new FakeClock() });
    const err = await c.get(pods, 'ns', 'x').catch((e) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 404);
    assert.equal(err.message, 'pods "x" not found');
    assert.ok(isNotFound(err));
    assert.ok(isConflict(await c.update(pods, { metadata: { name: 'x', namespace: 'ns', resourceVersion: '1' } }).catch((e) => e)));
    assert.equal(t.requests.length, 2);
  });

  test('429 and 5xx are retried with doubling backoff, honouring Retry-After', async () => {
    const clock = new FakeClock();
    const t = new ScriptedTransport([
      { status: 503, body: status(503, 'ServiceUnavailable') },
      { status: 500, body: 'boom' },
      { status: 429, body: status(429, 'TooManyRequests'), headers: { 'retry-after': '3' } },
      { status: 200, body: { metadata: { name: 'x' } } },
    ]);
    const c = new RestClient(t, { clock });
    const r = await timed(clock, () => c.get(pods, 'ns', 'x'));
    assert.deepEqual(r.value, { metadata: { name: 'x' } });
    assert.equal(t.requests.length, 4);
    assert.ok(r.elapsed >= 100 + 200 + 3000, `waited ${r.elapsed} ms`);
  });

  test('retries stop after maxRetries with the last error', async () => {
    const clock = new FakeClock();
    const t = new ScriptedTransport(Array.from({ length: 4 }, () => ({ status: 503, body: status(503, 'ServiceUnavailable', 'later') })));
    const c = new RestClient(t, { clock, retry: { maxRetries: 3 } });
    const r = await timed(clock, () => c.get(pods, 'ns', 'x'));
    assert.ok(r.error instanceof ApiError && r.error.code === 503);
    assert.equal(t.requests.length, 4);
  });

  test('connection failures are retried, except a POST that may have reached the server', async () => {
    const clock = new FakeClock();
    const t = new ScriptedTransport([connError('ECONNREFUSED'), connError('ECONNRESET'), { status: 200, body: { metadata: { name: 'x' } } }]);
    const c = new RestClient(t, { clock });
    assert.deepEqual((await timed(clock, () => c.get(pods, 'ns', 'x'))).value, { metadata: { name: 'x' } });

    const t2 = new ScriptedTransport([connError('ECONNREFUSED'), connError('ECONNRESET')]);
    const c2 = new RestClient(t2, { clock });
    const r = await timed(clock, () => c2.create(pods, { metadata: { name: 'x', namespace: 'ns' } }));
    assert.equal((r.error as { code?: string }).code, 'ECONNRESET');
    assert.equal(t2.requests.length, 2, 'refused (never sent) was retried; reset was not');
  });

  test('watch streams line-delimited events, split anywhere, and ends with the ERROR Status', async () => {
    const lines = [
      JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } }) + '\n',
      JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '6' } } }) + '\n',
      JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version: 1 (5)') }) + '\n',
    ].join('');
    const chunks = [lines.slice(0, 10), lines.slice(10, 70), lines.slice(70)];
    const t = new ScriptedTransport([() => ({ status: 200, headers: {}, body: Readable.from(chunks.map((s) => Buffer.from(s))) })]);
    const c = new RestClient(t, { clock: new FakeClock() });
    const events: WatchEvent<any>[] = [];
    const closed = await new Promise<Error | undefined>((resolve) =>
      c.watch(pods, 'ns', { resourceVersion: '4', allowWatchBookmarks: true }, (e) => events.push(e), resolve),
    );
    assert.equal(t.requests[0].path, '/api/v1/namespaces/ns/pods?resourceVersion=4&allowWatchBookmarks=true&watch=true');
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'BOOKMARK']);
    assert.ok(closed instanceof ApiError && closed.code === 410 && closed.reason === 'Expired');
  });

  test('watches that share decoding get one parsed object per line; others their own; the option is not sent', async () => {
    const line = JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: `shared-${process.pid}`, resourceVersion: '9' } } }) + '\n';
    // Separate strings with the same text, as two connections would read them.
    const stream = () => () => ({ status: 200, headers: {}, body: Readable.from([Buffer.from(line.slice(0, 7)), Buffer.from(line.slice(7))]) });
    const t = new ScriptedTransport([stream(), stream(), stream()]);
    const c = new RestClient(t, { clock: new FakeClock() });
    const watchOnce = (sharedDecode: boolean) =>
      new Promise<unknown>((resolve) => {
        let object: unknown;
        c.watch(pods, 'ns', { resourceVersion: '4', sharedDecode }, (e) => (object = e.object), () => resolve(object));
      });
    const [a, b, own] = await Promise.all([watchOnce(true), watchOnce(true), watchOnce(false)]);
    assert.equal(a, b);
    assert.notEqual(own, a);
    assert.deepEqual(own, a);
    assert.equal(t.requests[0].path, '/api/v1/namespaces/ns/pods?resourceVersion=4&watch=true');
  });

  test('a watch with bookmarks that hears nothing for 150 s is closed as dead; each chunk restarts the wait', async () => {
    const body = new Readable({ read() {} });
    const t = new ScriptedTransport([() => ({ status: 200, headers: {}, body })]);
    const clock = new FakeClock();
    const c = new RestClient(t, { clock });
    const events: WatchEvent<any>[] = [];
    const outcome: { closed: Error | undefined | 'open' } = { closed: 'open' };
    c.watch(pods, 'ns', { allowWatchBookmarks: true }, (e) => events.push(e), (err) => (outcome.closed = err));
    await clock.advance(100_000);
    body.push(JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '6' } } }) + '\n');
    await new Promise((resolve) => setImmediate(resolve));
    await clock.advance(100_000);
    assert.equal(outcome.closed, 'open', 'the bookmark at 100 s kept the watch open past 150 s');
    assert.deepEqual(events.map((e) => e.type), ['BOOKMARK']);
    await clock.advance(60_000);
    const closed: unknown = outcome.closed;
    assert.ok(closed instanceof Error && /nothing received for 150 s/.test(closed.message), String(closed));
    body.destroy();
  });

  test('a refused watch closes with the ApiError', async () => {
    const t = new ScriptedTransport([{ status: 403, body: status(403, 'Forbidden', 'no') }]);
    const c = new RestClient(t, { clock: new FakeClock() });
    const err = await new Promise<Error | undefined>((resolve) => c.watch(pods, undefined, {}, () => {}, resolve));
    assert.ok(err instanceof ApiError && err.reason === 'Forbidden');
  });

  test('an eviction refused by a disruption budget (429) is not retried', async () => {
    const t = new ScriptedTransport([{ status: 429, body: status(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.') }]);
    const c = new RestClient(t, { clock: new FakeClock() });
    const err = await c.evict('ns', 'p').catch((e) => e);
    assert.ok(err instanceof ApiError && err.code === 429);
    assert.equal(t.requests.length, 1);
    assert.equal(t.requests[0].path, '/api/v1/namespaces/ns/pods/p/eviction');
  });
});
