import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserInfo } from './authenticate.ts';
import { ensurePki, issueClientCertificate, type Pki } from './pki.ts';
import { startWhoamiServer, type WhoamiServer } from './whoami-server.test-support.ts';

interface Credentials {
  cert?: string;
  key?: string;
  token?: string;
  authorization?: string;
  agent?: Agent;
}

/** GETs `path` trusting only the cluster CA; resolves to the status code and parsed body. */
function get(server: WhoamiServer, pki: Pki, path: string, creds: Credentials = {}): Promise<{ code: number; body: any }> {
  const authorization = creds.authorization ?? (creds.token ? `Bearer ${creds.token}` : undefined);
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        ca: [pki.caCertPem],
        cert: creds.cert,
        key: creds.key,
        agent: creds.agent ?? false,
        headers: authorization ? { authorization } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('createAuthenticator', () => {
  let dir: string;
  let pki: Pki;
  let foreign: Pki;
  let server: WhoamiServer;
  let clock = Date.now();
  const tokens = new Map<string, UserInfo>([
    ['token-of-alice-0123456789', { username: 'alice', uid: 'u-1', groups: ['developers'] }],
    ['token-of-bob-0123456789', { username: 'bob', groups: [] }],
  ]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-authn-'));
    pki = await ensurePki(join(dir, 'cluster'), { sans: { dns: [], ips: [] } });
    foreign = await ensurePki(join(dir, 'foreign'), { sans: { dns: [], ips: [] } });
    server = await startWhoamiServer(pki, tokens, { now: () => clock });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the admin client certificate authenticates as system:admin in system:masters', async () => {
    const res = await get(server, pki, '/whoami', { cert: pki.adminCertPem, key: pki.adminKeyPem });
    assert.equal(res.code, 200);
    assert.deepEqual(res.body, { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  });

  test('an issued certificate with several organizations yields all of them as groups', async () => {
    const kubelet = await issueClientCertificate(pki, {
      commonName: 'system:node:worker-1',
      organizations: ['system:nodes', 'a, O=forged'],
    });
    const res = await get(server, pki, '/whoami', { cert: kubelet.certPem, key: kubelet.keyPem });
    assert.deepEqual(res.body, {
      username: 'system:node:worker-1',
      groups: ['system:nodes', 'a, O=forged', 'system:authenticated'],
    });
  });

  test('a bearer token authenticates as its user', async () => {
    const res = await get(server, pki, '/whoami', { token: 'token-of-alice-0123456789' });
    assert.deepEqual(res.body, { username: 'alice', uid: 'u-1', groups: ['developers', 'system:authenticated'] });
    const lower = await get(server, pki, '/whoami', { authorization: 'bearer token-of-bob-0123456789' });
    assert.deepEqual(lower.body, { username: 'bob', groups: ['system:authenticated'] });
  });

  test('a token added to the map later is accepted at once', async () => {
    tokens.set('token-of-carol-0123456789', { username: 'carol', groups: [] });
    const res = await get(server, pki, '/whoami', { token: 'token-of-carol-0123456789' });
    assert.equal(res.body.username, 'carol');
  });

  test('unknown or malformed tokens are not authenticated', async () => {
    for (const authorization of [
      'Bearer token-of-alice-012345678',
      'Bearer token-of-alice-0123456789x',
      'Bearer',
      'Basic dG9rZW4=',
      'Bearer token-of-alice-0123456789 extra',
    ]) {
      const res = await get(server, pki, '/whoami', { authorization });
      assert.equal(res.code, 401, authorization);
      assert.equal(res.body.reason, 'Unauthorized');
    }
  });

  test('a certificate from another CA is not authenticated, though a token beside it still is', async () => {
    const creds = { cert: foreign.adminCertPem, key: foreign.adminKeyPem };
    assert.equal((await get(server, pki, '/whoami', creds)).code, 401);
    const withToken = await get(server, pki, '/whoami', { ...creds, token: 'token-of-bob-0123456789' });
    assert.equal(withToken.body.username, 'bob');
  });

  test('the serving certificate is no client credential', async () => {
    const res = await get(server, pki, '/whoami', { cert: pki.servingCertPem, key: pki.servingKeyPem });
    assert.equal(res.code, 401);
  });

  test('anonymous requests get 401 except on the public health paths', async () => {
    const res = await get(server, pki, '/whoami');
    assert.equal(res.code, 401);
    assert.equal(res.body.kind, 'Status');
    assert.equal((await get(server, pki, '/healthz')).body, 'ok');
  });

  test('every request on a keep-alive connection keeps its certificate user', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: [pki.caCertPem], cert: pki.adminCertPem, key: pki.adminKeyPem });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await get(server, pki, '/whoami', { agent, cert: pki.adminCertPem, key: pki.adminKeyPem });
        assert.equal(res.body.username, 'system:admin');
      }
    } finally {
      agent.destroy();
    }
  });

  test('a client certificate stops authenticating once it expires, even on an open connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: [pki.caCertPem], cert: pki.adminCertPem, key: pki.adminKeyPem });
    try {
      const creds = { agent, cert: pki.adminCertPem, key: pki.adminKeyPem };
      assert.equal((await get(server, pki, '/whoami', creds)).code, 200);
      clock = new Date(new X509Certificate(pki.adminCertPem).validTo).getTime() + 1000;
      assert.equal((await get(server, pki, '/whoami', creds)).code, 401);
    } finally {
      clock = Date.now();
      agent.destroy();
    }
  });
});
