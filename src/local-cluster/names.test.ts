import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgeName, clusterIdOf, hostNamespace, hostVeth, newClusterId } from './names.ts';

describe('local cluster names', () => {
  const id = 'a1b2c';
  it('derives every name from the cluster id', () => {
    assert.equal(bridgeName(id), 'skla1b2c');
    assert.equal(hostNamespace(id, 'host-3'), 'skla1b2c-host-3');
    assert.equal(hostVeth(id, 250), 'skla1b2cv250');
    assert.ok(hostVeth(id, 250).length <= 15, 'Linux link names have at most 15 characters');
  });
  const cases: [string, string | undefined][] = [
    ['skla1b2c', 'a1b2c'],
    ['skla1b2c-host-1', 'a1b2c'],
    ['skla1b2cv3', 'a1b2c'],
    // A pod veth (`sk` + 11 hex digits) is never taken for one of ours.
    ['skc0ffee12345', undefined],
    ['skiff0', undefined],
    ['eth0', undefined],
  ];
  for (const [name, want] of cases) it(`${name} → ${want}`, () => assert.equal(clusterIdOf(name), want));
  it('makes ids its own names recognise', () => {
    const fresh = newClusterId();
    assert.equal(clusterIdOf(bridgeName(fresh)), fresh);
  });
});
