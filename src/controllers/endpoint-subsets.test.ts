import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSubset } from 'kubernetes-types/core/v1.js';
import { computeSubsets, truncateSubsets } from './endpoint-subsets.ts';

function pod(name: string, opts: { ip?: string; ready?: boolean; deleting?: boolean; phase?: string; ports?: { name: string; containerPort: number }[]; node?: string; hostname?: string; subdomain?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: {
      containers: [{ name: 'c', ports: opts.ports }],
      ...(opts.node ? { nodeName: opts.node } : {}),
      ...(opts.hostname ? { hostname: opts.hostname, subdomain: opts.subdomain } : {}),
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.ip ? { podIP: opts.ip } : {}),
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }],
    },
  };
}

function service(spec: Service['spec']): Service {
  return { metadata: { name: 'web', namespace: 'ns' }, spec: { selector: { app: 'web' }, ...spec } };
}

const http = { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' };
const ref = (name: string) => ({ kind: 'Pod', namespace: 'ns', name, uid: `uid-${name}` });

describe('computeSubsets', () => {
  test('ready pods are addresses, not-ready pods notReadyAddresses, sharing one subset of ports', () => {
    const subsets = computeSubsets(service({ ports: [{ port: 80, targetPort: 8080 }] }), [
      pod('b', { ip: '10.0.0.10', ready: true, node: 'n1' }),
      pod('a', { ip: '10.0.0.9', ready: true }),
      pod('c', { ip: '10.0.0.11', ready: false }),
    ]);
    assert.deepEqual(subsets, [
      {
        addresses: [
          { ip: '10.0.0.9', targetRef: ref('a') },
          { ip: '10.0.0.10', targetRef: ref('b'), nodeName: 'n1' },
        ],
        notReadyAddresses: [{ ip: '10.0.0.11', targetRef: ref('c') }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  test('a named targetPort resolves per pod; a pod where it does not resolve is left out of that port', () => {
    const svc = service({ ports: [http, { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }] });
    const subsets = computeSubsets(svc, [
      pod('a', { ip: '10.0.0.1', ready: true, ports: [{ name: 'web', containerPort: 8080 }] }),
      pod('b', { ip: '10.0.0.2', ready: true, ports: [{ name: 'web', containerPort: 8081 }] }),
      pod('c', { ip: '10.0.0.3', ready: true, ports: [{ name: 'other', containerPort: 7000 }] }),
    ]);
    const byAddresses = Object.fromEntries(subsets.map((s) => [s.addresses!.map((a) => a.ip).join(','), s.ports]));
    assert.deepEqual(byAddresses, {
      '10.0.0.1': [{ name: 'http', port: 8080, protocol: 'TCP' }],
      '10.0.0.2': [{ name: 'http', port: 8081, protocol: 'TCP' }],
      '10.0.0.1,10.0.0.2,10.0.0.3': [{ name: 'metrics', port: 9090, protocol: 'TCP' }],
    });
  });

  const cases: { name: string; svc: Service; pods: Pod[]; ready: string[]; notReady: string[] }[] = [
    { name: 'pods without an IP are skipped', svc: service({ ports: [{ port: 80 }] }), pods: [pod('a', { ready: true })], ready: [], notReady: [] },
    { name: 'finished pods are skipped', svc: service({ ports: [{ port: 80 }] }), pods: [pod('a', { ip: '10.0.0.1', phase: 'Succeeded' })], ready: [], notReady: [] },
    { name: 'terminating pods are skipped', svc: service({ ports: [{ port: 80 }] }), pods: [pod('a', { ip: '10.0.0.1', ready: true, deleting: true })], ready: [], notReady: [] },
    {
      name: 'publishNotReadyAddresses makes every pod ready, terminating ones too',
      svc: service({ ports: [{ port: 80 }], publishNotReadyAddresses: true }),
      pods: [pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', deleting: true })],
      ready: ['10.0.0.1', '10.0.0.2'],
      notReady: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const subsets = computeSubsets(c.svc, c.pods);
      assert.deepEqual(subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)), c.ready);
      assert.deepEqual(subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)), c.notReady);
    });
  }

  test('a headless Service without ports lists its pods with no ports; hostname only for its own subdomain', () => {
    const subsets = computeSubsets(service({ clusterIP: 'None' }), [
      pod('a', { ip: '10.0.0.1', ready: true, hostname: 'a', subdomain: 'web' }),
      pod('b', { ip: '10.0.0.2', ready: true, hostname: 'b', subdomain: 'other' }),
    ]);
    assert.deepEqual(subsets, [
      {
        addresses: [
          { ip: '10.0.0.1', targetRef: ref('a'), hostname: 'a' },
          { ip: '10.0.0.2', targetRef: ref('b') },
        ],
      },
    ]);
  });

  test('a Service with ports that resolve on no pod has no subsets', () => {
    assert.deepEqual(computeSubsets(service({ ports: [http] }), [pod('a', { ip: '10.0.0.1', ready: true })]), []);
  });
});

describe('truncateSubsets', () => {
  const addrs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ ip: `${prefix}.${i}` }));
  const sizes = (subsets: EndpointSubset[]) => subsets.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]);

  test('within the limit nothing is cut', () => {
    assert.equal(truncateSubsets([{ addresses: addrs('10.0.0', 6), notReadyAddresses: addrs('10.0.1', 4) }], 10), undefined);
  });

  test('not-ready addresses go first, shared in proportion to each subset', () => {
    const out = truncateSubsets(
      [
        { addresses: addrs('10.0.0', 4), notReadyAddresses: addrs('10.0.1', 6) },
        { addresses: addrs('10.0.2', 2), notReadyAddresses: addrs('10.0.3', 2) },
      ],
      10,
    );
    assert.deepEqual(sizes(out!), [[4, 3], [2, 1]]);
  });

  test('with more ready addresses than the limit, only ready ones are kept', () => {
    const out = truncateSubsets(
      [
        { addresses: addrs('10.0.0', 9), notReadyAddresses: addrs('10.0.1', 3) },
        { addresses: addrs('10.0.2', 3) },
      ],
      8,
    );
    assert.deepEqual(sizes(out!), [[6, 0], [2, 0]]);
  });
});
