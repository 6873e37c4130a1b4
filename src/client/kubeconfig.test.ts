import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadKubeconfig } from './kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function withFiles(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const config = {
  apiVersion: 'v1',
  kind: 'Config',
  'current-context': 'admin',
  clusters: [
    { name: 'one', cluster: { server: 'https://10.0.0.1:6443/', 'certificate-authority-data': b64('CA PEM') } },
    { name: 'two', cluster: { server: 'https://10.0.0.2:6443', 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true } },
  ],
  users: [
    { name: 'admin', user: { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') } },
    { name: 'robot', user: { token: 'abc.def' } },
    { name: 'files', user: { 'client-certificate': 'c.crt', 'client-key': 'c.key', tokenFile: 'token' } },
  ],
  contexts: [
    { name: 'admin', context: { cluster: 'one', user: 'admin' } },
    { name: 'robot', context: { cluster: 'two', user: 'robot' } },
    { name: 'files', context: { cluster: 'two', user: 'files' } },
  ],
};

describe('loadKubeconfig', () => {
  test('reads the current context with embedded certificate data', () =>
    withFiles({ config: stringify(config) }, async (dir) => {
      assert.deepEqual(await loadKubeconfig(join(dir, 'config')), {
        server: 'https://10.0.0.1:6443',
        caPem: 'CA PEM',
        clientCertPem: 'CERT PEM',
        clientKeyPem: 'KEY PEM',
      });
    }));

  test('reads a named context with a token, and files relative to the kubeconfig', () =>
    withFiles({ config: stringify(config), 'ca.crt': 'FILE CA', 'c.crt': 'FILE CERT', 'c.key': 'FILE KEY', token: 'tok\n' }, async (dir) => {
      const robot = await loadKubeconfig(join(dir, 'config'), 'robot');
      assert.equal(robot.token, 'abc.def');
      assert.equal(robot.caPem, 'FILE CA');
      assert.equal(robot.insecureSkipTlsVerify, true);
      const files = await loadKubeconfig(join(dir, 'config'), 'files');
      assert.deepEqual([files.clientCertPem, files.clientKeyPem, files.token], ['FILE CERT', 'FILE KEY', 'tok']);
    }));

  test('names a missing context', () =>
    withFiles({ config: stringify(config) }, async (dir) => {
      await assert.rejects(loadKubeconfig(join(dir, 'config'), 'nope'), /no context "nope"/);
    }));
});
