import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideNodePassword,
  hashNodePassword,
  isNodePasswordSecret,
  nodePasswordMatches,
  nodePasswordMismatchMessage,
  nodePasswordSecretName,
} from './node-password.ts';

describe('decideNodePassword', async () => {
  const hashOfRight = await hashNodePassword('right');
  const cases: [string, string | undefined, string, string][] = [
    ['records the first password for a name', undefined, 'anything', 'record'],
    ['accepts the recorded password', hashOfRight, 'right', 'accept'],
    ['refuses another password', hashOfRight, 'wrong', 'refuse'],
    ['refuses when the kept hash is empty', '', 'right', 'refuse'],
    ['refuses when the kept hash is malformed', 'md5$abc$def', 'right', 'refuse'],
  ];
  for (const [title, kept, password, want] of cases) {
    it(title, async () => assert.equal(await decideNodePassword(kept, password), want));
  }
});

describe('hashNodePassword', () => {
  it('salts: the same password hashes differently each time, and both match', async () => {
    const [a, b] = [await hashNodePassword('p'), await hashNodePassword('p')];
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$/);
    assert.equal(await nodePasswordMatches(a, 'p'), true);
    assert.equal(await nodePasswordMatches(b, 'p'), true);
  });
});

describe('node-password Secrets', () => {
  it('are named <node>.node-password.skiff in kube-system', () => {
    assert.equal(nodePasswordSecretName('worker-1'), 'worker-1.node-password.skiff');
    assert.equal(isNodePasswordSecret('kube-system', 'worker-1.node-password.skiff'), true);
    assert.equal(isNodePasswordSecret('default', 'worker-1.node-password.skiff'), false);
    assert.equal(isNodePasswordSecret('kube-system', 'worker-1'), false);
  });

  it('the refusal names the Secret to delete and the flag to change', () => {
    assert.equal(
      nodePasswordMismatchMessage('w1'),
      'node w1 is already registered with another password: delete the Secret kube-system/w1.node-password.skiff if that node was replaced, or pick another --node-name',
    );
  });
});
