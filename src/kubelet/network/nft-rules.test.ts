import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { podNetworkRuleset, type PodNetworkRules } from './nft-rules.ts';

const run = promisify(execFile);

const base: PodNetworkRules = { table: 'skiff-net', clusterCidr: '10.42.0.0/16', bridge: 'skiff0', hostPorts: [] };

/** The rule lines of one chain, tabs trimmed. */
function chain(text: string, name: string): string[] {
  const body = new RegExp(`\\tchain ${name} \\{\\n([\\s\\S]*?)\\n\\t\\}`).exec(text)?.[1] ?? '';
  return body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('type '));
}

describe('podNetworkRuleset', () => {
  test('replaces only its own table, in one transaction', () => {
    const text = podNetworkRuleset(base);
    assert.deepEqual(text.split('\n').slice(0, 3), ['table ip skiff-net {}', 'delete table ip skiff-net', 'table ip skiff-net {']);
    assert.doesNotMatch(text, /flush ruleset/);
  });

  test('masquerades pod egress leaving the cluster CIDR and accepts forwarding for it', () => {
    const text = podNetworkRuleset(base);
    assert.ok(chain(text, 'postrouting').includes('ip saddr 10.42.0.0/16 ip daddr != 10.42.0.0/16 masquerade'));
    assert.deepEqual(chain(text, 'forward'), ['ip saddr 10.42.0.0/16 accept', 'ip daddr 10.42.0.0/16 accept']);
  });

  const hostPortCases: { name: string; mapping: PodNetworkRules['hostPorts'][number]; dnat: string; hairpin: string }[] = [
    {
      name: 'TCP on every node address',
      mapping: { podIP: '10.42.0.5', protocol: 'TCP', hostPort: 8080, containerPort: 80 },
      dnat: 'tcp dport 8080 dnat to 10.42.0.5:80',
      hairpin: 'ip saddr 10.42.0.5 ip daddr 10.42.0.5 tcp dport 80 ct status dnat masquerade',
    },
    {
      name: 'UDP on one host IP',
      mapping: { podIP: '10.42.0.6', protocol: 'UDP', hostPort: 5353, containerPort: 53, hostIP: '192.168.1.9' },
      dnat: 'ip daddr 192.168.1.9 udp dport 5353 dnat to 10.42.0.6:53',
      hairpin: 'ip saddr 10.42.0.6 ip daddr 10.42.0.6 udp dport 53 ct status dnat masquerade',
    },
    {
      name: 'hostIP 0.0.0.0 means every address',
      mapping: { podIP: '10.42.0.7', protocol: 'SCTP', hostPort: 9000, containerPort: 9000, hostIP: '0.0.0.0' },
      dnat: 'sctp dport 9000 dnat to 10.42.0.7:9000',
      hairpin: 'ip saddr 10.42.0.7 ip daddr 10.42.0.7 sctp dport 9000 ct status dnat masquerade',
    },
  ];
  for (const c of hostPortCases) {
    test(`hostPort: ${c.name}`, () => {
      const text = podNetworkRuleset({ ...base, hostPorts: [c.mapping] });
      assert.deepEqual(chain(text, 'hostports'), [c.dnat]);
      assert.ok(chain(text, 'postrouting').includes(c.hairpin));
      assert.deepEqual(chain(text, 'prerouting'), ['fib daddr type local jump hostports']);
      assert.deepEqual(chain(text, 'output'), ['fib daddr type local jump hostports']);
    });
  }

  test('the same mappings in any order give the same text', () => {
    const a = { podIP: '10.42.0.5', protocol: 'TCP' as const, hostPort: 8080, containerPort: 80 };
    const b = { podIP: '10.42.0.6', protocol: 'UDP' as const, hostPort: 53, containerPort: 53 };
    assert.equal(podNetworkRuleset({ ...base, hostPorts: [a, b] }), podNetworkRuleset({ ...base, hostPorts: [b, a] }));
  });

  test('nft accepts the text', { skip: process.getuid?.() !== 0 ? 'needs root (a network namespace)' : undefined }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-nft-'));
    try {
      const file = join(dir, 'rules.nft');
      await writeFile(file, podNetworkRuleset({ ...base, hostPorts: hostPortCases.map((c) => c.mapping) }));
      // In a network namespace of its own: the check never touches the node's ruleset.
      await run('unshare', ['--net', 'nft', '--check', '-f', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
