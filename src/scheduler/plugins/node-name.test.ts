import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterPlugin } from '../framework/interface.ts';
import { newNodeName } from './node-name.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const plugin = newNodeName(undefined, fakeHandle([])) as FilterPlugin;
const cases: { name: string; nodeName?: string; want: string }[] = [
  { name: 'no nodeName fits anywhere', want: 'Success' },
  { name: 'the named node fits', nodeName: 'n1', want: 'Success' },
  { name: 'another node does not', nodeName: 'n2', want: 'UnschedulableAndUnresolvable' },
];
for (const c of cases) {
  test(c.name, () => {
    const got = plugin.filter(new CycleState(), makePod('p', { nodeName: c.nodeName }), nodeWith(makeNode('n1')));
    assert.equal(got.code, c.want);
    if (c.want !== 'Success') assert.deepEqual(got.reasons, ["node(s) didn't match the requested node name"]);
  });
}
