import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../storage/index.ts';
import { EtcdStore } from '../storage/etcd.ts';
import { startEtcd } from '../storage/etcd.test-support.ts';
import { ensurePki } from './auth/pki.ts';
import { BOOTSTRAP_KEY, ensureClusterSecrets, TokenRequiredError, WrongTokenError } from './cluster-secrets.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-cluster-secrets-'));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
const log = () => {};

/** A fresh datastore and a factory of fresh server directories. */
async function datastore(): Promise<{ store: SqliteStore; serverDir(): string }> {
  const base = join(root, String(dirs++));
  const store = SqliteStore.open(join(base, 'state.db'));
  after(() => store.close());
  return { store, serverDir: () => join(base, `server-${dirs++}`) };
}

const read = (dir: string, file: string) => readFile(join(dir, file), 'utf8');
const SHARED_FILES = ['tls/server-ca.crt', 'tls/server-ca.key', 'service-account.key', 'token', 'node-token'];

test('the first server stores its secrets sealed; a second one given its token takes the same ones', async () => {
  const { store, serverDir } = await datastore();
  const first = serverDir();
  await ensureClusterSecrets(store, first, { log });
  const sealed = await store.get(BOOTSTRAP_KEY);
  assert.ok(sealed, 'bootstrap data stored');
  assert.ok(!sealed.value.includes('PRIVATE KEY'));

  const second = serverDir();
  const lines: string[] = [];
  await ensureClusterSecrets(store, second, { token: (await read(first, 'token')).trim(), log: (l) => lines.push(l) });
  for (const file of SHARED_FILES) assert.equal(await read(second, file), await read(first, file), file);
  assert.match(lines.join('\n'), /joining an existing cluster/);
});

test("a joining server's own certificates are signed by the cluster CA", async () => {
  const { store, serverDir } = await datastore();
  const first = serverDir();
  await ensureClusterSecrets(store, first, { log });
  const second = serverDir();
  await ensureClusterSecrets(store, second, { token: await read(first, 'token'), log });
  const ca = new X509Certificate(await read(first, 'tls/server-ca.crt'));
  const pki = await ensurePki(second, { sans: { dns: ['server-two.example'], ips: [] } });
  for (const pem of [pki.servingCertPem, pki.adminCertPem]) assert.ok(new X509Certificate(pem).verify(ca.publicKey));
  assert.ok(new X509Certificate(pki.servingCertPem).checkHost('server-two.example'));
});

test('a restarted server keeps its secrets; a server that already had its own CA takes the cluster one', async () => {
  const { store, serverDir } = await datastore();
  const first = serverDir();
  await ensureClusterSecrets(store, first, { log });
  const before = await read(first, 'tls/server-ca.crt');
  await ensureClusterSecrets(store, first, { log });
  assert.equal(await read(first, 'tls/server-ca.crt'), before);

  const other = await datastore();
  const stranger = other.serverDir();
  await ensureClusterSecrets(other.store, stranger, { log });
  await ensureClusterSecrets(store, stranger, { token: await read(first, 'token'), log });
  assert.equal(await read(stranger, 'tls/server-ca.crt'), before);
});

test('a wrong token fails and writes nothing', async () => {
  const { store, serverDir } = await datastore();
  await ensureClusterSecrets(store, serverDir(), { log });
  const joiner = serverDir();
  await assert.rejects(ensureClusterSecrets(store, joiner, { token: 'not-the-token', log }), WrongTokenError);
  await assert.rejects(readdir(joiner), { code: 'ENOENT' });
});

test('a server with its own, different token cannot join', async () => {
  const { store, serverDir } = await datastore();
  await ensureClusterSecrets(store, serverDir(), { log });
  const other = await datastore();
  const stranger = other.serverDir();
  await ensureClusterSecrets(other.store, stranger, { log });
  const caBefore = await read(stranger, 'tls/server-ca.crt');
  await assert.rejects(ensureClusterSecrets(store, stranger, { log }), WrongTokenError);
  assert.equal(await read(stranger, 'tls/server-ca.crt'), caBefore);
});

test('joining without any token asks for one', async () => {
  const { store, serverDir } = await datastore();
  await ensureClusterSecrets(store, serverDir(), { log });
  await assert.rejects(ensureClusterSecrets(store, serverDir(), { log }), TokenRequiredError);
});

test('servers starting at once on an empty datastore with one token end with one cluster', async () => {
  const { store, serverDir } = await datastore();
  const servers = [serverDir(), serverDir(), serverDir()];
  await Promise.all(servers.map((dir) => ensureClusterSecrets(store, dir, { token: 'shared-token', log })));
  assert.equal((await store.list('/bootstrap/')).items.length, 1);
  for (const dir of servers.slice(1)) {
    for (const file of SHARED_FILES) assert.equal(await read(dir, file), await read(servers[0], file), `${dir} ${file}`);
  }
  assert.equal(await read(servers[0], 'token'), 'shared-token\n');
});

test('servers racing on one etcd, each through its own connection, end with one cluster', async () => {
  const etcd = await startEtcd();
  after(() => etcd.stop());
  const servers = [0, 1, 2].map(() => join(root, `etcd-server-${dirs++}`));
  const stores = await Promise.all(servers.map(() => EtcdStore.connect(etcd.endpoint, { log })));
  after(() => Promise.all(stores.map((s) => s.close())));
  await Promise.all(servers.map((dir, i) => ensureClusterSecrets(stores[i], dir, { token: 'shared-token', log })));
  for (const dir of servers.slice(1)) {
    for (const file of SHARED_FILES) assert.equal(await read(dir, file), await read(servers[0], file), `${dir} ${file}`);
  }
});
