import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredRuleset } from './ruleset.ts';
import type { ProxiedServicePort } from './service-ports.ts';

function port(overrides: Partial<ProxiedServicePort> = {}): ProxiedServicePort {
  const eps = [{ ip: '10.42.0.5', port: 8080 }, { ip: '10.42.0.6', port: 8080 }];
  return { id: 'ns/web/tcp/http', protocol: 'tcp', port: 80, clusterIPs: ['10.43.0.10'], externalIPs: [], clusterEndpoints: eps, externalEndpoints: eps, ...overrides };
}

const config = { clusterCIDR: '10.42.0.0/16', nodePortAddresses: ['192.168.1.1', '127.0.0.1'] };
const plain = (m: Map<string, Map<string, string>>) => Object.fromEntries([...m].filter(([, v]) => v.size > 0).map(([k, v]) => [k, Object.fromEntries(v)]));

const cases: { name: string; ports: ProxiedServicePort[]; chains: Record<string, string[]>; sets?: Record<string, string>; elements: Record<string, Record<string, string>> }[] = [
  {
    name: 'a cluster IP with two endpoints: random choice between two DNAT chains; outside clients and hairpin masqueraded',
    ports: [port()],
    chains: {
      'svc-ns/web/tcp/http': [
        'ip saddr != 10.42.0.0/16 jump mark-for-masquerade',
        'numgen random mod 2 vmap { 0 : goto ep-ns/web/tcp/http__10.42.0.5/8080, 1 : goto ep-ns/web/tcp/http__10.42.0.6/8080 }',
      ],
      'ep-ns/web/tcp/http__10.42.0.5/8080': ['ip saddr 10.42.0.5 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.42.0.5:8080'],
      'ep-ns/web/tcp/http__10.42.0.6/8080': ['ip saddr 10.42.0.6 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.42.0.6:8080'],
    },
    elements: { 'service-ips': { '10.43.0.10 . tcp . 80': 'goto svc-ns/web/tcp/http' }, 'nodeport-addresses': { '192.168.1.1': '', '127.0.0.1': '' } },
  },
  {
    name: 'no endpoints: the cluster IP and node port go to the reject sets, and no chain is made',
    ports: [port({ nodePort: 30080, clusterEndpoints: [], externalEndpoints: [] })],
    chains: {},
    elements: {
      'no-endpoint-services': { '10.43.0.10 . tcp . 80': '' },
      'no-endpoint-nodeports': { 'tcp . 30080': '' },
      'nodeport-addresses': { '192.168.1.1': '', '127.0.0.1': '' },
    },
  },
  {
    name: 'node port and external IP share an always-masquerading chain; one endpoint is a plain goto',
    ports: [port({ protocol: 'udp', id: 'ns/dns/udp/dns', port: 53, nodePort: 30053, externalIPs: ['192.0.2.1'], clusterEndpoints: [{ ip: '10.42.0.5', port: 53 }], externalEndpoints: [{ ip: '10.42.0.5', port: 53 }] })],
    chains: {
      'svc-ns/dns/udp/dns': ['ip saddr != 10.42.0.0/16 jump mark-for-masquerade', 'goto ep-ns/dns/udp/dns__10.42.0.5/53'],
      'ep-ns/dns/udp/dns__10.42.0.5/53': ['ip saddr 10.42.0.5 jump mark-for-masquerade', 'meta l4proto udp dnat to 10.42.0.5:53'],
      'ext-ns/dns/udp/dns': ['jump mark-for-masquerade', 'goto ep-ns/dns/udp/dns__10.42.0.5/53'],
    },
    elements: {
      'service-ips': { '10.43.0.10 . udp . 53': 'goto svc-ns/dns/udp/dns', '192.0.2.1 . udp . 53': 'goto ext-ns/dns/udp/dns' },
      'service-nodeports': { 'udp . 30053': 'goto ext-ns/dns/udp/dns' },
      'nodeport-addresses': { '192.168.1.1': '', '127.0.0.1': '' },
    },
  },
  {
    name: 'internalTrafficPolicy Local with no local endpoint: the cluster IP rejects, the node port still serves',
    ports: [port({ nodePort: 30080, clusterEndpoints: [], externalEndpoints: [{ ip: '10.42.1.5', port: 8080 }] })],
    chains: {
      'ep-ns/web/tcp/http__10.42.1.5/8080': ['ip saddr 10.42.1.5 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.42.1.5:8080'],
      'ext-ns/web/tcp/http': ['jump mark-for-masquerade', 'goto ep-ns/web/tcp/http__10.42.1.5/8080'],
    },
    elements: {
      'service-nodeports': { 'tcp . 30080': 'goto ext-ns/web/tcp/http' },
      'no-endpoint-services': { '10.43.0.10 . tcp . 80': '' },
      'nodeport-addresses': { '192.168.1.1': '', '127.0.0.1': '' },
    },
  },
  {
    name: 'ClientIP affinity: a timed set per endpoint, checked before the random choice and refreshed on use',
    ports: [port({ affinityTimeoutSeconds: 30, clusterEndpoints: [{ ip: '10.42.0.5', port: 8080 }], externalEndpoints: [{ ip: '10.42.0.5', port: 8080 }] })],
    chains: {
      'svc-ns/web/tcp/http': [
        'ip saddr != 10.42.0.0/16 jump mark-for-masquerade',
        'ip saddr @affinity-30-ns/web/tcp/http__10.42.0.5/8080 goto ep-ns/web/tcp/http__10.42.0.5/8080',
        'goto ep-ns/web/tcp/http__10.42.0.5/8080',
      ],
      'ep-ns/web/tcp/http__10.42.0.5/8080': [
        'ip saddr 10.42.0.5 jump mark-for-masquerade',
        'update @affinity-30-ns/web/tcp/http__10.42.0.5/8080 { ip saddr }',
        'meta l4proto tcp dnat to 10.42.0.5:8080',
      ],
    },
    sets: { 'affinity-30-ns/web/tcp/http__10.42.0.5/8080': 'type ipv4_addr; flags dynamic,timeout; timeout 30s;' },
    elements: { 'service-ips': { '10.43.0.10 . tcp . 80': 'goto svc-ns/web/tcp/http' }, 'nodeport-addresses': { '192.168.1.1': '', '127.0.0.1': '' } },
  },
];

for (const c of cases) {
  test(c.name, () => {
    const rs = desiredRuleset(c.ports, config);
    assert.deepEqual(Object.fromEntries(rs.chains), c.chains);
    assert.deepEqual(Object.fromEntries(rs.sets), c.sets ?? {});
    assert.deepEqual(plain(rs.elements), c.elements);
  });
}

test('without a cluster CIDR, cluster IP traffic is not masqueraded (except hairpin)', () => {
  const rs = desiredRuleset([port()], { nodePortAddresses: [] });
  assert.match(rs.chains.get('svc-ns/web/tcp/http')![0], /^numgen random/);
});
