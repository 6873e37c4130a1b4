import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, issueClientCertificate } from '../apiserver/auth/pki.ts';
import { startEtcd, type EtcdCluster } from './etcd.test-support.ts';
import { EtcdStore } from './etcd.ts';
import { openStore } from './index.ts';
import { StoreUnavailableError } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-tls-'));
let etcd: EtcdCluster | undefined;
after(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A CA, an etcd serving certificate for 127.0.0.1, and a client certificate, as PEM files. */
async function certificates() {
  const pki = await ensurePki(join(dir, 'pki'), { sans: { dns: [], ips: ['127.0.0.1'] } });
  const client = await issueClientCertificate(pki, { commonName: 'skiff-apiserver' });
  const file = (name: string, pem: string) => {
    const path = join(dir, name);
    writeFileSync(path, pem, { mode: 0o600 });
    return path;
  };
  return {
    caFile: file('ca.pem', pki.caCertPem),
    certFile: file('etcd.pem', pki.servingCertPem),
    keyFile: file('etcd-key.pem', pki.servingKeyPem),
    clientCertFile: file('client.pem', client.certPem),
    clientKeyFile: file('client-key.pem', client.keyPem),
  };
}

test('an https:// endpoint with a CA and a client certificate reaches an etcd that demands them', async () => {
  const tls = await certificates();
  etcd = await startEtcd({ tls });
  assert.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);

  const store = await openStore(etcd.endpoint, { tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile }, log: () => {} });
  try {
    const kv = await store.create('/registry/secrets/ns/s', 'sealed');
    assert.deepEqual(await store.get('/registry/secrets/ns/s'), kv);
  } finally {
    await store.close();
  }

  // Without a client certificate etcd refuses the handshake: the store says so and would retry.
  const lines: string[] = [];
  const stop = new AbortController();
  const refused = EtcdStore.connect(etcd.endpoint, {
    tls: { caFile: tls.caFile },
    log: (line) => {
      lines.push(line);
      stop.abort();
    },
    signal: stop.signal,
  });
  await assert.rejects(refused, StoreUnavailableError);
  assert.match(lines[0], /cannot reach etcd \(attempt 1\): etcd at https:\/\/127\.0\.0\.1:\d+ is unavailable/);
});
