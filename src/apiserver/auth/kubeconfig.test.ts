import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { UserInfo } from './authenticate.ts';
import { kubeconfigFor, writeKubeconfig } from './kubeconfig.ts';
import { ensurePki, type Pki } from './pki.ts';
import { startWhoamiServer, type WhoamiServer } from './whoami-server.test-support.ts';

const run = promisify(execFile);

describe('kubeconfig', () => {
  let dir: string;
  let pki: Pki;
  let foreign: Pki;
  let server: WhoamiServer;
  const token = 'a-bearer-token-0123456789abcdef';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubeconfig-'));
    pki = await ensurePki(join(dir, 'cluster'), { sans: { dns: [], ips: [] } });
    foreign = await ensurePki(join(dir, 'foreign'), { sans: { dns: [], ips: [] } });
    server = await startWhoamiServer(pki, new Map<string, UserInfo>([[token, { username: 'deployer', groups: [] }]]));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the real kubectl with `kubeconfig`, its own discovery cache and no other configuration. */
  function kubectl(kubeconfig: string, ...args: string[]) {
    return run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { ...process.env, HOME: dir, KUBECONFIG: '' },
      timeout: 30_000,
    });
  }

  test('the admin kubeconfig is 0600 and names everything "default"', async () => {
    const path = join(dir, 'admin', 'kubeconfig.yaml');
    await writeKubeconfig(path, {
      server: server.url,
      caCertPem: pki.caCertPem,
      user: { clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem },
    });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const config = parse(await readFile(path, 'utf8'));
    assert.equal(config['current-context'], 'default');
    assert.deepEqual(config.contexts, [{ name: 'default', context: { cluster: 'default', user: 'default' } }]);
    assert.equal(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), pki.caCertPem);
    assert.equal(Buffer.from(config.users[0].user['client-key-data'], 'base64').toString(), pki.adminKeyPem);
  });

  test('kubectl reaches the server over HTTP/1.1 and authenticates with the admin certificate', async () => {
    const path = join(dir, 'admin.yaml');
    await writeKubeconfig(path, {
      server: server.url,
      caCertPem: pki.caCertPem,
      user: { clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem },
    });
    const health = await kubectl(path, 'get', '--raw', '/healthz');
    assert.equal(health.stdout, 'ok');
    assert.ok(server.httpVersions.length > 0 && server.httpVersions.every((v) => v === '1.1'));

    const whoami = await kubectl(path, 'auth', 'whoami', '-o', 'json');
    const review = JSON.parse(whoami.stdout);
    assert.equal(review.kind, 'SelfSubjectReview');
    assert.deepEqual(review.status.userInfo, { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  });

  test('kubectl authenticates with a bearer token kubeconfig', async () => {
    const path = join(dir, 'token.yaml');
    await writeKubeconfig(path, { server: server.url, caCertPem: pki.caCertPem, user: { token } });
    const whoami = await kubectl(path, 'auth', 'whoami');
    assert.match(whoami.stdout, /Username\s+deployer/);
    assert.match(whoami.stdout, /Groups\s+\[system:authenticated\]/);
  });

  test('kubectl refuses the server when the kubeconfig trusts another CA', async () => {
    const path = join(dir, 'wrong-ca.yaml');
    await writeKubeconfig(path, {
      server: server.url,
      caCertPem: foreign.caCertPem,
      user: { clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem },
    });
    await assert.rejects(kubectl(path, 'get', '--raw', '/healthz'), (err: { stderr: string }) => {
      assert.match(err.stderr, /certificate signed by unknown authority/);
      return true;
    });
  });

  test('custom names are used throughout and the text is what gets written', async () => {
    const text = kubeconfigFor({
      server: 'https://10.0.0.1:6443',
      caCertPem: pki.caCertPem,
      user: { token },
      clusterName: 'prod',
      userName: 'ci',
      contextName: 'ci@prod',
    });
    const config = parse(text);
    assert.equal(config['current-context'], 'ci@prod');
    assert.deepEqual(config.contexts, [{ name: 'ci@prod', context: { cluster: 'prod', user: 'ci' } }]);
    assert.deepEqual(config.users, [{ name: 'ci', user: { token } }]);
    assert.equal(config.clusters[0].name, 'prod');
    assert.equal(config.clusters[0].cluster.server, 'https://10.0.0.1:6443');
  });
});
