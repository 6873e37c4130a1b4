import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { API_AUDIENCE, serviceAccountTokens } from './service-account-tokens.ts';

const tokens = serviceAccountTokens(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const now = new Date('2026-11-26T12:00:00Z');
const claims = { namespace: 'shop', serviceAccount: { name: 'robot', uid: 'u-1' }, audiences: [API_AUDIENCE], expirationSeconds: 600 };

describe('service account tokens', () => {
  test('an issued token authenticates as the service account until it expires', () => {
    const { token, expirationTimestamp } = tokens.issue(claims, now);
    assert.equal(expirationTimestamp, '2026-11-26T12:10:00Z');
    assert.deepEqual(tokens.authenticate(token, now.getTime() + 1000), {
      username: 'system:serviceaccount:shop:robot',
      uid: 'u-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:shop'],
    });
    assert.equal(tokens.authenticate(token, now.getTime() + 601_000), undefined);
  });

  test('a token for another audience, another key or tampered with is refused', () => {
    assert.equal(tokens.authenticate(tokens.issue({ ...claims, audiences: ['vault'] }, now).token, now.getTime()), undefined);
    const other = serviceAccountTokens(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    assert.equal(tokens.authenticate(other.issue(claims, now).token, now.getTime()), undefined);
    const [h, , s] = tokens.issue(claims, now).token.split('.');
    const forged = Buffer.from(JSON.stringify({ iss: API_AUDIENCE, aud: [API_AUDIENCE], exp: 9e9, sub: 'system:serviceaccount:kube-system:admin', 'kubernetes.io': { namespace: 'kube-system', serviceaccount: { name: 'admin' } } })).toString('base64url');
    assert.equal(tokens.authenticate(`${h}.${forged}.${s}`, now.getTime()), undefined);
    assert.equal(tokens.authenticate('not-a-jwt', now.getTime()), undefined);
  });
});
