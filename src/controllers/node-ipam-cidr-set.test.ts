import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CidrSet, CidrSetConfigError } from './node-ipam-cidr-set.ts';

describe('CidrSet', () => {
  const allocations: { name: string; cluster: string; mask: number; occupied: string[]; want: (string | undefined)[] }[] = [
    { name: 'first blocks in order', cluster: '10.42.0.0/16', mask: 24, occupied: [], want: ['10.42.0.0/24', '10.42.1.0/24', '10.42.2.0/24'] },
    { name: 'skips occupied blocks', cluster: '10.42.0.0/16', mask: 24, occupied: ['10.42.0.0/24', '10.42.2.0/24'], want: ['10.42.1.0/24', '10.42.3.0/24'] },
    { name: 'a larger occupied block covers several', cluster: '10.42.0.0/16', mask: 24, occupied: ['10.42.0.0/23'], want: ['10.42.2.0/24'] },
    { name: 'exhausted range', cluster: '10.42.0.0/23', mask: 24, occupied: [], want: ['10.42.0.0/24', '10.42.1.0/24', undefined] },
    { name: 'base address normalised', cluster: '10.42.7.9/16', mask: 25, occupied: [], want: ['10.42.0.0/25', '10.42.0.128/25'] },
    { name: 'outside blocks ignored', cluster: '10.42.0.0/24', mask: 26, occupied: ['10.43.0.0/26', 'garbage'], want: ['10.42.0.0/26'] },
    { name: 'mask equal to the cluster prefix', cluster: '10.42.0.0/24', mask: 24, occupied: [], want: ['10.42.0.0/24', undefined] },
  ];
  for (const c of allocations) {
    test(c.name, () => {
      const set = new CidrSet(c.cluster, c.mask);
      for (const o of c.occupied) set.occupy(o);
      assert.deepEqual(c.want.map(() => set.allocateNext()), c.want);
    });
  }

  test('occupy says whether the block is in the cluster CIDR', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    assert.equal(set.occupy('10.42.9.0/24'), true);
    assert.equal(set.occupy('192.168.0.0/24'), false);
    assert.equal(set.occupy('10.0.0.0/8'), false);
    assert.equal(set.allocated, 1);
  });

  test('a released block is reused once the others are taken (round robin)', () => {
    const set = new CidrSet('10.42.0.0/22', 24);
    assert.equal(set.allocateNext(), '10.42.0.0/24');
    assert.equal(set.allocateNext(), '10.42.1.0/24');
    set.release('10.42.0.0/24');
    assert.deepEqual([set.allocateNext(), set.allocateNext(), set.allocateNext(), set.allocateNext()], ['10.42.2.0/24', '10.42.3.0/24', '10.42.0.0/24', undefined]);
  });

  const configs: { cluster: string; mask: number }[] = [
    { cluster: '10.42.0.0/16', mask: 15 },
    { cluster: '10.42.0.0/16', mask: 31 },
    { cluster: '10.0.0.0/8', mask: 25 },
  ];
  for (const c of configs) {
    test(`rejects mask ${c.mask} for ${c.cluster}`, () => {
      assert.throws(() => new CidrSet(c.cluster, c.mask), CidrSetConfigError);
    });
  }
});
