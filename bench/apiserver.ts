/**
 * The API server benchmark: `node --import tsx bench/apiserver.ts`.
 *
 * Starts a control plane in-process on a temporary data dir (loopback only) and prints:
 * start-to-ready time; create, get, list and update rates with p50/p99 latency for 10 and 100
 * concurrent clients (raw HTTPS keep-alive with the admin client certificate, 1,000 ConfigMaps);
 * the time for one event to reach 1,000 watchers; and, in the same run, the raw SQLite insert
 * rate in the store's durability mode, with create rate / raw rate as the ratio to beat.
 * Clients and server share one Node process, so client cost is included in every figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startControlPlane } from '../src/index.ts';
import { measureRawInserts } from '../src/storage/sqlite-baseline.ts';
import { adminClient, type AdminClient } from './admin-client.ts';
import { runLoad, type LoadResult } from './load.ts';
import { measureWatchFanout } from './watch-fanout.ts';

const OBJECTS = 1000;
const CONCURRENCY = [10, 100];
const WATCHERS = 1000;
/** How many 1,000-item lists each concurrency level reads. */
const LISTS = 200;
/** No phase runs longer than this, so the whole benchmark stays within about two minutes. */
const PHASE_BUDGET_MS = 15_000;

async function expectStatus(client: AdminClient, method: string, url: string, body: unknown, status: number): Promise<string> {
  const res = await client.request(method, url, body);
  if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${res.body.slice(0, 300)}`);
  return res.body;
}

function configMap(name: string, value: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'apiserver' } }, data: { key: value } };
}

function row(clients: number, op: string, r: LoadResult): string {
  const cells = [String(clients), op, String(r.ops), r.perSecond.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2)];
  return cells.map((c, i) => (i < 2 ? c.padEnd(8) : c.padStart(9))).join(' ');
}

/** Create, get, list, update of OBJECTS ConfigMaps in a namespace of their own. */
async function measureCrud(client: AdminClient, clients: number): Promise<Record<string, LoadResult>> {
  const ns = `bench-${clients}`;
  await expectStatus(client, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 201);
  const collection = `/api/v1/namespaces/${ns}/configmaps`;
  const name = (i: number) => `cm-${String(i).padStart(5, '0')}`;
  const versions: string[] = [];
  const budget = { budgetMs: PHASE_BUDGET_MS };

  const create = await runLoad(OBJECTS, clients, async (i) => {
    await expectStatus(client, 'POST', collection, configMap(name(i), 'v'.repeat(100)), 201);
  }, budget);
  const created = create.ops;
  const get = await runLoad(created, clients, async (i) => {
    versions[i] = JSON.parse(await expectStatus(client, 'GET', `${collection}/${name(i)}`, undefined, 200)).metadata.resourceVersion;
  }, budget);
  const list = await runLoad(LISTS, clients, async () => {
    const body = await expectStatus(client, 'GET', `${collection}?limit=${OBJECTS}`, undefined, 200);
    if (!body.includes(`"name":"${name(created - 1)}"`)) throw new Error('a list came back without the last object');
  }, budget);
  const update = await runLoad(get.ops, clients, async (i) => {
    const obj = configMap(name(i), 'u'.repeat(100));
    await expectStatus(client, 'PUT', `${collection}/${name(i)}`, { ...obj, metadata: { ...obj.metadata, resourceVersion: versions[i] } }, 200);
  }, budget);
  return { create, get, [`list(${created})`]: list, update };
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-'));
  const clients: AdminClient[] = [];
  let stop: (() => Promise<void>) | undefined;
  try {
    const started = performance.now();
    const plane = await startControlPlane({ dataDir: path.join(root, 'data'), port: 0, bindAddress: '127.0.0.1' });
    stop = plane.stop;
    const probe = await adminClient(plane.kubeconfigPath, 1);
    clients.push(probe);
    while ((await probe.request('GET', '/healthz')).body !== 'ok') await new Promise((r) => setImmediate(r));
    const readyMs = performance.now() - started;

    console.log(`skiff API server benchmark: ${OBJECTS} ConfigMaps per phase, loopback, clients in the server's process (${os.cpus().length} cores)`);
    console.log(`server start to ready: ${readyMs.toFixed(0)} ms (target < 1000 ms; k3s takes tens of seconds)`);
    console.log('');
    console.log(['clients', 'op'].map((c) => c.padEnd(8)).join(' ') + ' ' + ['ops', 'ops/s', 'p50 ms', 'p99 ms'].map((c) => c.padStart(9)).join(' '));

    const createRates = new Map<number, number>();
    for (const n of CONCURRENCY) {
      const client = await adminClient(plane.kubeconfigPath, n);
      clients.push(client);
      const results = await measureCrud(client, n);
      for (const [op, r] of Object.entries(results)) console.log(row(n, op, r));
      createRates.set(n, results.create.perSecond);
    }

    const watchClient = await adminClient(plane.kubeconfigPath, 10);
    clients.push(watchClient);
    await expectStatus(watchClient, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-watch' } }, 201);
    const fanout = await measureWatchFanout(watchClient, 'bench-watch', WATCHERS);
    console.log('');
    console.log(
      `watch fan-out: ${fanout.watchers} watchers opened in ${fanout.openMs.toFixed(0)} ms; one event reached ` +
        `${fanout.delivered}/${fanout.watchers}, the median in ${fanout.p50Ms.toFixed(1)} ms, the last in ${fanout.lastMs.toFixed(1)} ms`,
    );

    const raw = measureRawInserts(path.join(root, 'baseline', 'raw.db'), OBJECTS);
    console.log('');
    console.log(`raw SQLite inserts, same durability mode: ${raw.perSecond.toFixed(0)}/s`);
    for (const [n, rate] of createRates) {
      console.log(`create rate / raw insert rate, ${n} clients: ${(rate / raw.perSecond).toFixed(2)}`);
    }
  } finally {
    for (const c of clients) c.close();
    await stop?.();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
