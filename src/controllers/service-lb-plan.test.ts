import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { desiredIngress } from './service-lb-plan.ts';

function node(name: string, ready: 'True' | 'False' | 'Unknown', ...addresses: [string, string][]): Node {
  return {
    metadata: { name },
    status: { conditions: [{ type: 'Ready', status: ready }], addresses: addresses.map(([type, address]) => ({ type, address })) },
  };
}

function svc(type: string, ingress?: { ip: string }[], loadBalancerClass?: string): Service {
  return { metadata: { namespace: 'ns', name: 'web' }, spec: { type, loadBalancerClass }, status: ingress ? { loadBalancer: { ingress } } : {} };
}

const nodes = [
  node('n3', 'True', ['InternalIP', '192.168.1.10'], ['Hostname', 'n3']),
  node('n1', 'True', ['InternalIP', '192.168.1.9'], ['ExternalIP', '203.0.113.1']),
  node('n2', 'Unknown', ['InternalIP', '192.168.1.11']),
  node('n4', 'False', ['InternalIP', '192.168.1.12']),
];

const cases: { name: string; svc: Service; nodes: Node[]; want: unknown }[] = [
  { name: 'a LoadBalancer gets the Ready nodes’ InternalIPs, in address order', svc: svc('LoadBalancer'), nodes, want: [{ ip: '192.168.1.9', ipMode: 'VIP' }, { ip: '192.168.1.10', ipMode: 'VIP' }] },
  { name: 'no Ready node: no ingress (EXTERNAL-IP pending)', svc: svc('LoadBalancer'), nodes: [nodes[2]], want: [] },
  { name: 'a node being deleted is left out', svc: svc('LoadBalancer'), nodes: [{ ...nodes[0], metadata: { name: 'n3', deletionTimestamp: '2026-01-01T00:00:00Z' } }], want: [] },
  { name: 'another load balancer’s Service is left alone', svc: svc('LoadBalancer', undefined, 'example.com/lb'), nodes, want: undefined },
  { name: 'a Service no longer a LoadBalancer loses its ingress', svc: svc('ClusterIP', [{ ip: '192.168.1.9' }]), nodes, want: [] },
  { name: 'a ClusterIP Service without ingress is not ours to touch', svc: svc('ClusterIP'), nodes, want: undefined },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(desiredIngress(c.svc, c.nodes), c.want);
  });
}
