import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdStore } from './etcd.ts';
import { startEtcd, type EtcdCluster } from './etcd.test-support.ts';
import { runStoreContract } from './store-contract.ts';

const clusters: EtcdCluster[] = [];
after(async () => {
  for (const c of clusters) await c.stop();
});

const quiet = () => {};

/** Each contract case gets its own etcd, so every store starts with no keys and no history. */
runStoreContract('etcd', async () => {
  const etcd = await startEtcd();
  clusters.push(etcd);
  return EtcdStore.connect(etcd.endpoint, { log: quiet });
});

test('a fresh etcd is at revision 1 and reports nothing compacted', async () => {
  const etcd = await startEtcd();
  clusters.push(etcd);
  const store = await EtcdStore.connect(etcd.endpoint, { log: quiet });
  try {
    assert.equal(await store.currentRevision(), 1);
    assert.equal(await store.compactedRevision(), 0);
    assert.equal((await store.create('/registry/a', 'x')).modRevision, 2);
  } finally {
    await store.close();
  }
});

test('a second store learns how far a first one compacted', async () => {
  const etcd = await startEtcd();
  clusters.push(etcd);
  const first = await EtcdStore.connect(etcd.endpoint, { log: quiet });
  const second = await EtcdStore.connect(etcd.endpoint, { log: quiet });
  try {
    for (let i = 0; i < 40; i++) await first.create(`/registry/k${i}`, 'v');
    await first.compact(27);
    await assert.rejects(second.list('/registry/', { revision: 20 }), { name: 'CompactedError', requested: 20, compacted: 27 });
    assert.equal(await second.compactedRevision(), 27);
    const third = await EtcdStore.connect(etcd.endpoint, { log: quiet });
    assert.equal(await third.compactedRevision(), 27);
    await third.close();
  } finally {
    await first.close();
    await second.close();
  }
});

test('a closed store refuses calls and ends new watches as unavailable', async () => {
  const etcd = await startEtcd();
  clusters.push(etcd);
  const store = await EtcdStore.connect(etcd.endpoint, { log: quiet });
  await store.close();
  await assert.rejects(store.get('/registry/a'), { name: 'StoreUnavailableError' });
  await assert.rejects(store.create('/registry/a', 'x'), { name: 'StoreUnavailableError' });
  const failure = await new Promise<Error>((resolve) => store.watch('/registry/', 0, { onEvents: () => {}, onError: resolve }));
  assert.equal(failure.name, 'StoreUnavailableError');
});

test('an object larger than etcd accepts is refused as such, not as an outage; large lists come back whole', async () => {
  const etcd = await startEtcd();
  clusters.push(etcd);
  const store = await EtcdStore.connect(etcd.endpoint, { log: quiet });
  try {
    await assert.rejects(store.create('/registry/configmaps/ns/huge', 'x'.repeat(2 * 1024 * 1024)), (err) => err instanceof RangeError && /larger than etcd accepts/.test(err.message));
    // Six values of 1 MiB: a 6 MiB list, over gRPC's default 4 MiB message cap.
    for (let i = 0; i < 6; i++) await store.create(`/registry/configmaps/ns/big${i}`, String(i).repeat(1024 * 1024));
    assert.equal((await store.list('/registry/configmaps/')).items.length, 6);
  } finally {
    await store.close();
  }
});

test('a test etcd whose client port another etcd answers on is not mistaken for it', async () => {
  // The race this guards against (a freed port taken by another test process) is forced here
  // by naming the port of an etcd that is already running.
  const first = await startEtcd();
  clusters.push(first);
  const port = Number(new URL(first.members[0].clientUrl).port);
  await assert.rejects(startEtcd({ clientPorts: [port] }), /served by another etcd/);
});
