import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { ensurePki, hostSans, issueClientCertificate, type Pki } from './pki.ts';
import { serverTlsOptions } from './tls-server-options.ts';

const noSans = { sans: { dns: [], ips: [] } };
const DAY_MS = 24 * 60 * 60 * 1000;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'skiff-pki-'));
}

/** Completes a TLS handshake to a server using `pki`, trusting only its CA, naming the server `servername`. */
async function handshake(pki: Pki, servername: string): Promise<void> {
  const server = createServer(serverTlsOptions(pki), (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: [pki.caCertPem] }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', reject);
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('ensurePki', () => {
  test('first start makes a CA whose serving certificate node TLS accepts for the server names', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);

    // An IP address as the name checks the IP SANs; the rest check the DNS SANs.
    for (const name of ['127.0.0.1', 'localhost', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']) {
      await handshake(pki, name);
    }
    await assert.rejects(handshake(pki, 'not-this-server.example'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });

    const serving = new X509Certificate(pki.servingCertPem);
    for (const ip of ['::1', '10.43.0.1', ...hostSans().ips]) assert.equal(serving.checkIP(ip), ip);
    const ca = new X509Certificate(pki.caCertPem);
    assert.equal(ca.ca, true);
    assert.ok(new Date(ca.validTo).getTime() - Date.now() > 9 * 365 * DAY_MS, 'CA lasts ten years');
  });

  test('the admin certificate names system:admin in system:masters, signed by the CA', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);
    const admin = new X509Certificate(pki.adminCertPem);
    assert.match(admin.subject, /^CN=system:admin$/m);
    assert.match(admin.subject, /^O=system:masters$/m);
    assert.ok(admin.verify(new X509Certificate(pki.caCertPem).publicKey));
  });

  test('keys are written 0600 and no temporary files are left behind', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    await ensurePki(dir, noSans);
    const files = (await readdir(join(dir, 'tls'))).sort();
    assert.deepEqual(files, [
      'client-admin.crt',
      'client-admin.key',
      'server-ca.crt',
      'server-ca.key',
      'serving-kube-apiserver.crt',
      'serving-kube-apiserver.key',
    ]);
    for (const key of files.filter((f) => f.endsWith('.key'))) {
      assert.equal((await stat(join(dir, 'tls', key))).mode & 0o777, 0o600, key);
    }
  });

  test('a later start reuses everything', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await ensurePki(dir, noSans);
    assert.deepEqual(await ensurePki(dir, noSans), first);
  });

  test('new SANs re-issue the serving certificate from the same CA', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await ensurePki(dir, noSans);
    const wider = await ensurePki(dir, { sans: { dns: ['API.example.com'], ips: ['192.0.2.10'] } });

    assert.equal(wider.caCertPem, first.caCertPem);
    assert.equal(wider.adminCertPem, first.adminCertPem);
    assert.notEqual(wider.servingCertPem, first.servingCertPem);
    await handshake(wider, 'api.example.com');
    await handshake(wider, '192.0.2.10');
    await handshake(wider, 'localhost');
    // Asking again for names already covered changes nothing.
    assert.deepEqual(await ensurePki(dir, { sans: { dns: ['api.example.com'], ips: [] } }), wider);
  });

  test('certificates near expiry are renewed, the CA kept', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const old = await ensurePki(dir, { ...noSans, now: new Date(Date.now() - 300 * DAY_MS) });
    const renewed = await ensurePki(dir, noSans);
    assert.equal(renewed.caCertPem, old.caCertPem);
    assert.notEqual(renewed.servingCertPem, old.servingCertPem);
    assert.notEqual(renewed.adminCertPem, old.adminCertPem);
    assert.ok(new Date(new X509Certificate(renewed.servingCertPem).validTo).getTime() > Date.now() + 300 * DAY_MS);
    await handshake(renewed, 'localhost');
  });

  test('a serving key lost in a crash is replaced together with its certificate', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await ensurePki(dir, noSans);
    const other = await ensurePki(join(dir, 'other'), noSans);
    // The state a crash between writing a new key and its certificate leaves.
    await writeFile(join(dir, 'tls', 'serving-kube-apiserver.key'), other.servingKeyPem);
    const repaired = await ensurePki(dir, noSans);
    assert.notEqual(repaired.servingCertPem, first.servingCertPem);
    await handshake(repaired, 'localhost');
  });

  test('a CA certificate without its key is refused rather than silently replaced', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    await ensurePki(dir, noSans);
    await rm(join(dir, 'tls', 'server-ca.key'));
    await assert.rejects(ensurePki(dir, noSans), /no matching private key/);
  });

  test('invalid extra SANs are rejected', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    await assert.rejects(ensurePki(dir, { sans: { dns: [], ips: ['300.1.1.1'] } }), /invalid IP address/);
    await assert.rejects(ensurePki(dir, { sans: { dns: ['bad name'], ips: [] } }), /invalid DNS name/);
  });
});

describe('issueClientCertificate', () => {
  test('issues a client certificate with the given user and groups, signed by the CA', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);
    const { certPem } = await issueClientCertificate(
      pki,
      { commonName: 'system:node:worker-1', organizations: ['system:nodes'] },
      30,
    );
    const cert = new X509Certificate(certPem);
    assert.match(cert.subject, /^CN=system:node:worker-1$/m);
    assert.match(cert.subject, /^O=system:nodes$/m);
    assert.ok(cert.verify(new X509Certificate(pki.caCertPem).publicKey));
    const days = (new Date(cert.validTo).getTime() - Date.now()) / DAY_MS;
    assert.ok(days > 29 && days <= 30, `valid for ${days} days`);
  });
});
