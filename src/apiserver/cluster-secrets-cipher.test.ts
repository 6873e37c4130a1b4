import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openClusterSecrets, sealClusterSecrets, WrongTokenError, type ClusterSecrets } from './cluster-secrets-cipher.ts';

const secrets: ClusterSecrets = {
  ca: { certPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', keyPem: '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n' },
  serviceAccountKeyPem: '-----BEGIN PRIVATE KEY-----\nSA\n-----END PRIVATE KEY-----\n',
  nodeTokenSecret: 'f00d',
};
const TOKEN = 'a3f1c2d4e5b6a7980011223344556677';

test('the token it was sealed with opens the secrets', async () => {
  assert.deepEqual(await openClusterSecrets(await sealClusterSecrets(secrets, TOKEN), TOKEN), secrets);
});

test('the sealed text reveals neither the secrets nor the token', async () => {
  const sealed = await sealClusterSecrets(secrets, TOKEN);
  for (const plain of [TOKEN, 'MIGH', 'f00d', 'PRIVATE KEY']) assert.ok(!sealed.includes(plain), plain);
});

test('every seal is different (fresh salt and nonce)', async () => {
  assert.notEqual(await sealClusterSecrets(secrets, TOKEN), await sealClusterSecrets(secrets, TOKEN));
});

const tampered = (field: 'data' | 'tag' | 'iv') => (sealed: string) => {
  const envelope = JSON.parse(sealed);
  const bytes = Buffer.from(envelope[field], 'base64');
  bytes[0] ^= 1;
  envelope[field] = bytes.toString('base64');
  return JSON.stringify(envelope);
};

for (const [name, token, alter] of [
  ['another token', 'b3f1c2d4e5b6a7980011223344556677', (s: string) => s],
  ['an empty token', '', (s: string) => s],
  ['an altered ciphertext', TOKEN, tampered('data')],
  ['an altered tag', TOKEN, tampered('tag')],
  ['an altered nonce', TOKEN, tampered('iv')],
] as const) {
  test(`${name} fails as a wrong token`, async () => {
    await assert.rejects(openClusterSecrets(alter(await sealClusterSecrets(secrets, TOKEN)), token), WrongTokenError);
  });
}

test('text that is no envelope of a known version is refused as such', async () => {
  await assert.rejects(openClusterSecrets('not json', TOKEN), /not valid JSON/);
  await assert.rejects(openClusterSecrets('{"version":2}', TOKEN), /unknown format \(version 2\)/);
});
