import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxiedServicePort } from './service-ports.ts';
import { staleUdpFlows } from './stale-flows.ts';

const ep = (ip: string) => ({ ip, port: 53 });

function udp(endpoints: string[], overrides: Partial<ProxiedServicePort> = {}): ProxiedServicePort {
  return { id: 'ns/dns/udp/dns', protocol: 'udp', port: 53, clusterIPs: ['10.43.0.10'], externalIPs: [], clusterEndpoints: endpoints.map(ep), externalEndpoints: endpoints.map(ep), ...overrides };
}

const cases: { name: string; previous: ProxiedServicePort[]; desired: ProxiedServicePort[]; want: string[] }[] = [
  { name: 'nothing changed: nothing to delete', previous: [udp(['10.42.0.5'])], desired: [udp(['10.42.0.5'])], want: [] },
  {
    name: 'an endpoint left: its flows through the cluster IP',
    previous: [udp(['10.42.0.5', '10.42.0.6'])],
    desired: [udp(['10.42.0.5'])],
    want: ['-p udp --orig-dst 10.43.0.10 --dst-nat 10.42.0.6'],
  },
  {
    name: 'an endpoint left a NodePort Service with an external IP: its flows through each address and the node port',
    previous: [udp(['10.42.0.5', '10.42.0.6'], { nodePort: 30053, externalIPs: ['192.0.2.1'] })],
    desired: [udp(['10.42.0.5'], { nodePort: 30053, externalIPs: ['192.0.2.1'] })],
    want: ['-p udp --orig-dst 10.43.0.10 --dst-nat 10.42.0.6', '-p udp --orig-dst 192.0.2.1 --dst-nat 10.42.0.6', '-p udp --orig-port-dst 30053 --dst-nat 10.42.0.6'],
  },
  { name: 'the first endpoint arrived: every flow to the cluster IP', previous: [udp([])], desired: [udp(['10.42.0.5'])], want: ['-p udp --orig-dst 10.43.0.10'] },
  { name: 'a new port with endpoints: every flow to its address', previous: [], desired: [udp(['10.42.0.5'])], want: ['-p udp --orig-dst 10.43.0.10'] },
  { name: 'the port went away: flows to its endpoints', previous: [udp(['10.42.0.5'])], desired: [], want: ['-p udp --orig-dst 10.43.0.10 --dst-nat 10.42.0.5'] },
  {
    name: 'TCP ports are left alone',
    previous: [udp(['10.42.0.5'], { protocol: 'tcp', id: 'ns/web/tcp/http' })],
    desired: [],
    want: [],
  },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(staleUdpFlows(c.previous, c.desired).map((f) => f.join(' ')), c.want);
  });
}
