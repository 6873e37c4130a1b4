import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostSideBatch } from './pod-interface.ts';

describe('hostSideBatch', () => {
  const pod = { netnsPath: '/run/skiff/netns/pod-1', bridge: 'skiff0', mtu: 1500 };
  const cases: { name: string; exists: boolean; want: string[] }[] = [
    {
      name: 'a new pair is created on the bridge, up, then put in hairpin mode',
      exists: false,
      want: [
        'link add sk0123456789a mtu 1500 master skiff0 up type veth peer name eth0 mtu 1500 netns /run/skiff/netns/pod-1',
        'link set dev sk0123456789a type bridge_slave hairpin on',
      ],
    },
    {
      name: 'an existing host end is (re)attached instead',
      exists: true,
      want: ['link set dev sk0123456789a master skiff0 up', 'link set dev sk0123456789a type bridge_slave hairpin on'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(hostSideBatch(pod, 'sk0123456789a', c.exists).split('\n').filter(Boolean), c.want);
    });
  }

  test('refuses a value with blanks, which ip -batch would split into more words', () => {
    assert.throws(() => hostSideBatch({ ...pod, netnsPath: '/run/x y' }, 'sk0123456789a', false), /blanks/);
    assert.throws(() => hostSideBatch({ ...pod, bridge: 'br0\nlink del lo' }, 'sk0123456789a', false), /blanks/);
  });
});
