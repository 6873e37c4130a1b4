import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilitiesInMask } from './capabilities.ts';

test('capabilitiesInMask reads a CapBnd mask', () => {
  const cases: [mask: string, has: string[], lacks: string[]][] = [
    ['0000000000000000', [], ['CAP_CHOWN']],
    ['0000000000000001', ['CAP_CHOWN'], ['CAP_DAC_OVERRIDE']],
    // All but CAP_SYS_RESOURCE (bit 24), as in a node that itself runs in a sandbox.
    ['000001fffeffffff', ['CAP_SYS_ADMIN', 'CAP_CHECKPOINT_RESTORE', 'CAP_SYS_TIME'], ['CAP_SYS_RESOURCE']],
  ];
  for (const [mask, has, lacks] of cases) {
    const caps = capabilitiesInMask(mask);
    for (const c of has) assert.ok(caps.has(c), `${mask} has ${c}`);
    for (const c of lacks) assert.ok(!caps.has(c), `${mask} lacks ${c}`);
  }
  assert.equal(capabilitiesInMask('000001ffffffffff').size, 41);
});
