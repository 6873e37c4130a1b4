import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from './pki.ts';
import { caHash, ensureTokens, parseJoinToken } from './tokens.ts';

const noSans = { sans: { dns: [], ips: [] } };

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'skiff-tokens-'));
}

describe('ensureTokens', () => {
  test('creates the cluster secret and a join token pinning the CA, both 0600', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);
    const { token, nodeToken } = await ensureTokens(dir, pki.caCertPem);

    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal((await readFile(join(dir, 'token'), 'utf8')).trim(), token);
    assert.equal((await readFile(join(dir, 'node-token'), 'utf8')).trim(), nodeToken);
    for (const file of ['token', 'node-token']) {
      assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, file);
    }

    const join_ = parseJoinToken(nodeToken);
    assert.ok(join_);
    assert.equal(nodeToken, `K10${caHash(pki.caCertPem)}::server:${join_.secret}`);
    assert.match(join_.secret, /^[0-9a-f]{64}$/);
    assert.notEqual(join_.secret, token, 'the join token does not reveal the cluster secret');
  });

  test('a later start returns the same tokens', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);
    const first = await ensureTokens(dir, pki.caCertPem);
    assert.deepEqual(await ensureTokens(dir, pki.caCertPem), first);
  });

  test('a different CA re-pins the join token but keeps its secret', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);
    const other = await ensurePki(join(dir, 'other'), noSans);
    const first = await ensureTokens(dir, pki.caCertPem);
    const second = await ensureTokens(dir, other.caCertPem);
    assert.equal(second.token, first.token);
    assert.equal(parseJoinToken(second.nodeToken)?.secret, parseJoinToken(first.nodeToken)?.secret);
    assert.equal(parseJoinToken(second.nodeToken)?.caHash, caHash(other.caCertPem));
  });
});

describe('caHash', () => {
  test('is the SHA-256 of the certificate in DER, as openssl computes it', async (t) => {
    const dir = await tempDir();
    t.after(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensurePki(dir, noSans);
    const der = execFileSync('openssl', ['x509', '-outform', 'DER'], { input: pki.caCertPem });
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der }).toString().split(' ')[0];
    assert.equal(caHash(pki.caCertPem), expected);
  });
});

describe('parseJoinToken', () => {
  const hash = 'ab'.repeat(32);
  const cases: Array<[string, ReturnType<typeof parseJoinToken>]> = [
    [`K10${hash}::server:s3cret`, { caHash: hash, secret: 's3cret' }],
    [`  K10${hash.toUpperCase()}::node:s3cret\n`, { caHash: hash, secret: 's3cret' }],
    ['s3cret', { secret: 's3cret' }],
    ['', undefined],
    ['   ', undefined],
    [`K10${hash}::server:`, undefined],
    [`K10${hash.slice(2)}::server:s3cret`, undefined],
    [`K10${hash}:server:s3cret`, undefined],
    ['two words', undefined],
  ];
  for (const [text, expected] of cases) {
    test(JSON.stringify(text), () => assert.deepEqual(parseJoinToken(text), expected));
  }
});
