import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { desiredRoutes, planRoutes, type GatewayRoute, type RoutePlan } from './routes.ts';

function node(name: string, podCIDR?: string, internalIP?: string): Node {
  return {
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: internalIP ? { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: internalIP }] } : {},
  };
}

describe('desiredRoutes', () => {
  const cases: { name: string; nodes: Node[]; want: GatewayRoute[] }[] = [
    { name: 'alone: no routes', nodes: [node('a', '10.42.0.0/24', '192.168.1.1')], want: [] },
    {
      name: 'one route per other node, sorted',
      nodes: [node('a', '10.42.0.0/24', '192.168.1.1'), node('c', '10.42.2.0/24', '192.168.1.3'), node('b', '10.42.1.0/24', '192.168.1.2')],
      want: [
        { destination: '10.42.1.0/24', gateway: '192.168.1.2' },
        { destination: '10.42.2.0/24', gateway: '192.168.1.3' },
      ],
    },
    {
      name: 'nodes without a pod CIDR or an InternalIP are skipped',
      nodes: [node('a', '10.42.0.0/24', '192.168.1.1'), node('b', undefined, '192.168.1.2'), node('c', '10.42.2.0/24')],
      want: [],
    },
    {
      name: 'never a route to its own pod CIDR',
      nodes: [node('a', '10.42.0.0/24', '192.168.1.1'), node('stale', '10.42.0.0/24', '192.168.1.9')],
      want: [],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(desiredRoutes(c.nodes, 'a'), c.want));
});

describe('planRoutes', () => {
  const r = (destination: string, gateway: string): GatewayRoute => ({ destination, gateway });
  const cases: { name: string; current: GatewayRoute[]; desired: GatewayRoute[]; want: RoutePlan }[] = [
    { name: 'nothing to do', current: [r('10.42.1.0/24', '10.0.0.2')], desired: [r('10.42.1.0/24', '10.0.0.2')], want: { replace: [], remove: [] } },
    { name: 'a new node', current: [], desired: [r('10.42.1.0/24', '10.0.0.2')], want: { replace: [r('10.42.1.0/24', '10.0.0.2')], remove: [] } },
    { name: 'a node that moved', current: [r('10.42.1.0/24', '10.0.0.2')], desired: [r('10.42.1.0/24', '10.0.0.7')], want: { replace: [r('10.42.1.0/24', '10.0.0.7')], remove: [] } },
    { name: 'a node that went away', current: [r('10.42.1.0/24', '10.0.0.2'), r('10.42.2.0/24', '10.0.0.3')], desired: [r('10.42.2.0/24', '10.0.0.3')], want: { replace: [], remove: [r('10.42.1.0/24', '10.0.0.2')] } },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(planRoutes(c.current, c.desired), c.want));
});
