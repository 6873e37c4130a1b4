/**
 * The storage benchmark: `node --import tsx bench/storage.ts`.
 *
 * For each backend — the embedded SQLite file and a real one-member etcd on loopback (Debian's
 * etcd, started here) — starts a control plane on it and measures create, get, list and update
 * of ConfigMaps through the API server (raw HTTPS keep-alive with the admin certificate, a
 * fixed number of requests in flight); then, in the same run, the same operations straight on
 * the backend (better-sqlite3; the etcd3 client), and prints API rate / raw rate per operation.
 * Clients and server share one Node process, so client cost is included in every API figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane } from '../src/index.ts';
import { startEtcd } from '../src/storage/etcd.test-support.ts';
import { adminClient } from './admin-client.ts';
import { runLoad } from './load.ts';
import { rawEtcd, rawSqlite, type Rates, type RawOptions } from './storage-raw.ts';

const OBJECTS = 1000;
const LISTS = 50;
const CONCURRENCY = 50;
/** No phase runs longer than this. */
const BUDGET_MS = 15_000;
const VALUE = 'v'.repeat(100);

function configMap(name: string, value: string, resourceVersion?: string) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, resourceVersion }, data: { key: value } };
}

/** Create, get, list and update of OBJECTS ConfigMaps through a control plane on `datastoreEndpoint`. */
async function throughApi(dataDir: string, datastoreEndpoint: string): Promise<Rates> {
  const plane = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1', datastoreEndpoint, controllers: false });
  const client = await adminClient(plane.kubeconfigPath, CONCURRENCY);
  try {
    const expect = async (method: string, url: string, body: unknown, status: number) => {
      const res = await client.request(method, url, body);
      if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${res.body.slice(0, 300)}`);
      return res.body;
    };
    await expect('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }, 201);
    const collection = '/api/v1/namespaces/bench/configmaps';
    const name = (i: number) => `cm-${String(i).padStart(5, '0')}`;
    const versions: string[] = [];
    const budget = { budgetMs: BUDGET_MS };
    const create = await runLoad(OBJECTS, CONCURRENCY, async (i) => void (await expect('POST', collection, configMap(name(i), VALUE), 201)), budget);
    const get = await runLoad(create.ops, CONCURRENCY, async (i) => {
      versions[i] = JSON.parse(await expect('GET', `${collection}/${name(i)}`, undefined, 200)).metadata.resourceVersion;
    }, budget);
    const list = await runLoad(LISTS, CONCURRENCY, async () => {
      const body = await expect('GET', collection, undefined, 200);
      if (!body.includes(`"name":"${name(create.ops - 1)}"`)) throw new Error('a list came back without the last object');
    }, budget);
    const update = await runLoad(get.ops, CONCURRENCY, async (i) => {
      void (await expect('PUT', `${collection}/${name(i)}`, configMap(name(i), VALUE.replace(/v/g, 'u'), versions[i]), 200));
    }, budget);
    return { create, get, list, update };
  } finally {
    client.close();
    await plane.stop();
  }
}

function print(backend: string, api: Rates, raw: Rates, rawWhat: string): void {
  console.log(`${backend} (raw: ${rawWhat})`);
  console.log(`  ${'op'.padEnd(8)}${'API ops/s'.padStart(11)}${'p99 ms'.padStart(9)}${'raw ops/s'.padStart(11)}${'API/raw'.padStart(9)}`);
  for (const op of ['create', 'get', 'list', 'update'] as const) {
    const a = api[op];
    const r = raw[op];
    console.log(`  ${op.padEnd(8)}${a.perSecond.toFixed(0).padStart(11)}${a.p99Ms.toFixed(1).padStart(9)}${r.perSecond.toFixed(0).padStart(11)}${(a.perSecond / r.perSecond).toFixed(2).padStart(9)}`);
  }
  console.log('');
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-storage-'));
  const etcd = await startEtcd();
  try {
    const raw: RawOptions = { objects: OBJECTS, lists: LISTS, concurrency: CONCURRENCY, value: JSON.stringify(configMap('x', VALUE)), budgetMs: BUDGET_MS };
    console.log(`skiff storage benchmark: ${OBJECTS} ConfigMaps, lists of all of them, ${CONCURRENCY} requests in flight, loopback, ${os.cpus().length} cores`);
    console.log('');
    const sqliteApi = await throughApi(path.join(root, 'sqlite'), `sqlite://${path.join(root, 'sqlite', 'server', 'state.db')}`);
    const sqliteRaw = await rawSqlite(path.join(root, 'raw-sqlite', 'raw.db'), raw);
    print('SQLite', sqliteApi, sqliteRaw, 'better-sqlite3, one transaction per write, same durability pragmas');
    const etcdApi = await throughApi(path.join(root, 'etcd'), etcd.endpoint);
    const etcdRaw = await rawEtcd(etcd.members.map((m) => m.clientUrl), raw);
    print('etcd (one member)', etcdApi, etcdRaw, `etcd3 client, ${CONCURRENCY} in flight`);
  } finally {
    await etcd.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
