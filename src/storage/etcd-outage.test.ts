import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { freePort, waitFor } from '../client/control-plane.test-support.ts';
import { EtcdStore } from './etcd.ts';
import { startEtcd, type EtcdCluster } from './etcd.test-support.ts';
import { openStore } from './index.ts';
import { StoreUnavailableError, type Store, type WatchEvent } from './store.ts';
import { WatchCache } from './watch-cache.ts';

const clusters: EtcdCluster[] = [];
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
  for (const c of clusters) await c.stop();
});

async function etcd(members = 1): Promise<EtcdCluster> {
  const cluster = await startEtcd({ members });
  clusters.push(cluster);
  return cluster;
}

async function connect(endpoint: string, options: Parameters<typeof EtcdStore.connect>[1] = {}): Promise<EtcdStore> {
  const store = await EtcdStore.connect(endpoint, { log: () => {}, callTimeoutMs: 2000, ...options });
  stores.push(store);
  return store;
}

const unavailable = (err: unknown) => err instanceof StoreUnavailableError;

/** The member that is the raft leader, by asking each member's status. */
async function leaderOf(cluster: EtcdCluster) {
  for (const member of cluster.members) {
    const client = new Etcd3({ hosts: member.clientUrl });
    try {
      const status = await client.maintenance.status();
      if (status.leader === status.header.member_id) return member;
    } finally {
      client.close();
    }
  }
  throw new Error('no member says it leads');
}

test('etcd unreachable at start: openStore says what to do and keeps trying until etcd answers', async () => {
  const port = await freePort();
  const cluster = await startEtcd({ clientPorts: [port], stopped: true });
  clusters.push(cluster);
  const lines: string[] = [];
  const opening = openStore(`etcd://127.0.0.1:${port}`, { log: (line) => lines.push(line) });
  await waitFor('a retry to be logged', () => lines.length > 0);
  assert.match(lines[0], /cannot reach etcd \(attempt 1\).*127\.0\.0\.1:\d+.*retrying in 1 s.*Check that etcd is running/);
  await cluster.members[0].start();
  const store = await opening;
  stores.push(store);
  assert.equal((await store.create('/registry/a', 'x')).key, '/registry/a');
  assert.match(lines[lines.length - 1], /reached etcd at http:\/\/127\.0\.0\.1/);
});

test('etcd killed while running: calls fail as unavailable, watches end, and both work again once it is back', async () => {
  const cluster = await etcd();
  const store = await connect(cluster.endpoint);
  const before = await store.create('/registry/a', '1');
  const errors: Error[] = [];
  store.watch('/registry/', before.modRevision, { onEvents: () => {}, onError: (err) => errors.push(err) });

  await cluster.members[0].kill();
  await assert.rejects(store.update('/registry/a', '2', before.modRevision), unavailable);
  await assert.rejects(store.get('/registry/a'), unavailable);
  await assert.rejects(store.list('/registry/'), unavailable);
  await waitFor('the watch to end', () => errors.length > 0);
  assert.ok(errors[0] instanceof StoreUnavailableError);

  await cluster.members[0].start();
  // The first calls after a restart may still find the old connection broken.
  let now;
  await waitFor('etcd to answer again', async () => (now = await store.get('/registry/a').catch(() => undefined)) !== undefined);
  assert.deepEqual(now, before, 'the failed update wrote nothing');
  const seen: WatchEvent[] = [];
  store.watch('/registry/', before.modRevision, { onEvents: (events) => seen.push(...events) });
  const after = await store.update('/registry/a', '3', before.modRevision);
  await waitFor('the resumed watch to see the update', () => seen.length === 1);
  assert.deepEqual(seen[0].kv, after);
});

test('a hung etcd (stopped process) fails calls within the deadline instead of hanging', async () => {
  const cluster = await etcd();
  const store = await connect(cluster.endpoint, { callTimeoutMs: 1000 });
  const a = await store.create('/registry/a', '1');
  await cluster.members[0].freeze();
  try {
    await assert.rejects(store.update('/registry/a', '2', a.modRevision), unavailable);
    await assert.rejects(store.get('/registry/a'), unavailable);
  } finally {
    cluster.members[0].thaw();
  }
  await waitFor('etcd to answer again', async () => (await store.get('/registry/a').catch(() => undefined)) !== undefined);
});

test('the watch cache carries its watchers across an etcd restart', async () => {
  const cluster = await etcd();
  const store = await connect(cluster.endpoint);
  const cache = new WatchCache(store, { retryDelayMs: 50, maxRetryDelayMs: 500 });
  await cache.start();
  try {
    const seen: WatchEvent[] = [];
    const errors: Error[] = [];
    cache.watch('/registry/pods/', cache.revision, { onEvents: (events) => seen.push(...events), onError: (err) => errors.push(err) });
    await store.create('/registry/pods/ns/a', '1');
    await waitFor('the first event', () => seen.length === 1);

    await cluster.members[0].kill();
    await cluster.members[0].start();
    let b;
    await waitFor('a write to succeed after the restart', async () => (b = await store.create('/registry/pods/ns/b', '1').catch(() => undefined)) !== undefined);
    await waitFor('the watcher to see it', () => seen.length === 2);
    assert.deepEqual(seen.map((e) => e.kv.key), ['/registry/pods/ns/a', '/registry/pods/ns/b']);
    assert.deepEqual(seen[1].kv, b);
    assert.deepEqual(errors, []);
  } finally {
    cache.stop();
  }
});

test('three members: with the leader killed, writes go on and every acknowledged write is kept', async () => {
  const cluster = await etcd(3);
  const store = await connect(cluster.endpoint);
  const acknowledged = new Map<string, string>();
  let stop = false;
  // Several writers at once, each rewriting its own key; a write that fails is not acknowledged.
  const writer = async (id: number) => {
    const key = `/registry/configmaps/ns/w${id}`;
    let current = await store.create(key, '0');
    acknowledged.set(key, '0');
    for (let i = 1; !stop; i++) {
      try {
        current = await store.update(key, String(i), current.modRevision);
        acknowledged.set(key, String(i));
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        // Unknown outcome: read back what is there before going on.
        const now = await store.get(key).catch(() => undefined);
        if (now) current = now;
        i = Number(current.value);
      }
    }
  };
  const writers = Array.from({ length: 4 }, (_, id) => writer(id));
  const progress = async (n: number) => {
    const start = [...acknowledged.values()].reduce((sum, v) => sum + Number(v), 0);
    await waitFor(`${n} more acknowledged writes`, () => [...acknowledged.values()].reduce((sum, v) => sum + Number(v), 0) >= start + n, 60_000);
  };
  await progress(20);
  const leader = await leaderOf(cluster);
  await leader.kill();
  await progress(40);
  stop = true;
  await Promise.all(writers);

  for (const [key, value] of acknowledged) {
    const kv = await store.get(key);
    assert.ok(kv && Number(kv.value) >= Number(value), `${key}: acknowledged ${value}, stored ${kv?.value}`);
  }
  const survivor = cluster.members.find((m) => m !== leader)!;
  const fresh = await connect(`etcd://${new URL(survivor.clientUrl).host}`);
  assert.deepEqual(
    (await fresh.list('/registry/configmaps/')).items.map((kv) => [kv.key, kv.value]),
    (await store.list('/registry/configmaps/')).items.map((kv) => [kv.key, kv.value]),
  );
});
