import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { desiredGroups, podToEndpoint, sliceLabels } from './endpointslice.ts';

function pod(name: string, opts: { ip?: string; ready?: boolean; deleting?: boolean; phase?: string; port?: number } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: opts.port ? [{ name: 'web', containerPort: opts.port }] : [] }] },
    status: { phase: opts.phase ?? 'Running', ...(opts.ip ? { podIP: opts.ip } : {}), conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }] },
  };
}
const svc = (spec: Service['spec'] = {}): Service => ({
  metadata: { name: 'web', namespace: 'ns', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...spec },
});

describe('podToEndpoint', () => {
  const cases: { name: string; pod: Pod; svc?: Service; want: [boolean, boolean, boolean] | undefined }[] = [
    { name: 'a ready pod is ready and serving', pod: pod('a', { ip: '10.0.0.1', ready: true }), want: [true, true, false] },
    { name: 'a not-ready pod is neither', pod: pod('a', { ip: '10.0.0.1' }), want: [false, false, false] },
    { name: 'a terminating ready pod is serving but not ready', pod: pod('a', { ip: '10.0.0.1', ready: true, deleting: true }), want: [false, true, true] },
    {
      name: 'publishNotReadyAddresses makes it ready regardless',
      pod: pod('a', { ip: '10.0.0.1', deleting: true }),
      svc: svc({ publishNotReadyAddresses: true }),
      want: [true, false, true],
    },
    { name: 'a pod without an IP has no endpoint', pod: pod('a', { ready: true }), want: undefined },
    { name: 'a finished pod has no endpoint', pod: pod('a', { ip: '10.0.0.1', phase: 'Failed' }), want: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const ep = podToEndpoint(c.pod, c.svc ?? svc());
      assert.deepEqual(ep && [ep.conditions!.ready, ep.conditions!.serving, ep.conditions!.terminating], c.want);
    });
  }

  test('the endpoint names its pod, node and zone', () => {
    const node: Node = { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } };
    assert.deepEqual(podToEndpoint(pod('a', { ip: '10.0.0.1', ready: true }), svc(), node), {
      addresses: ['10.0.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' },
      nodeName: 'n1',
      zone: 'z1',
    });
  });
});

describe('desiredGroups', () => {
  test('pods whose named port resolves differently land in different groups; unresolved pods offer no ports', () => {
    const groups = desiredGroups(svc(), [
      pod('a', { ip: '10.0.0.1', port: 8080 }),
      pod('b', { ip: '10.0.0.2', port: 8081 }),
      pod('c', { ip: '10.0.0.3', port: 8080 }),
      pod('d', { ip: '10.0.0.4' }),
    ]);
    const summary = groups.map((g) => [g.ports.map((p) => p.port), g.endpoints.map((e) => e.targetRef!.name)]);
    assert.deepEqual(summary, [
      [[8080], ['a', 'c']],
      [[8081], ['b']],
      [[], ['d']],
    ]);
  });
});

describe('sliceLabels', () => {
  test("the Service's labels, its name, the manager, and headless when it is", () => {
    assert.deepEqual(sliceLabels(svc({ clusterIP: 'None' })), {
      team: 'a',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      'service.kubernetes.io/headless': '',
    });
  });
});
