import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { findPort, podEndpointsChanged, selectorMatches } from './service-pods.ts';

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', labels: { app: 'web', tier: 'front' } },
  spec: {
    containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] }],
    initContainers: [
      { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] },
      { name: 'setup', ports: [{ name: 'setup', containerPort: 9999 }] },
    ],
  },
};

describe('findPort', () => {
  const cases: { name: string; port: ServicePort; want: number | undefined }[] = [
    { name: 'a numeric targetPort is used as it is', port: { port: 80, targetPort: 9376 }, want: 9376 },
    { name: 'no targetPort means the port itself', port: { port: 80 }, want: 80 },
    { name: 'a named targetPort is the container port of that name', port: { port: 80, targetPort: 'http' }, want: 8080 },
    { name: 'the protocol must match too', port: { port: 53, targetPort: 'dns', protocol: 'TCP' }, want: undefined },
    { name: 'a UDP port by name', port: { port: 53, targetPort: 'dns', protocol: 'UDP' }, want: 5353 },
    { name: 'a sidecar (init container that keeps running) counts', port: { port: 1, targetPort: 'proxy' }, want: 15001 },
    { name: 'an ordinary init container does not', port: { port: 1, targetPort: 'setup' }, want: undefined },
    { name: 'an unknown name resolves to nothing', port: { port: 80, targetPort: 'nope' }, want: undefined },
  ];
  for (const c of cases) test(c.name, () => assert.equal(findPort(pod, c.port), c.want));
});

describe('selectorMatches', () => {
  const svc = (selector?: Record<string, string>): Service => ({ metadata: { name: 's', namespace: 'ns' }, spec: { selector } });
  const cases: { name: string; svc: Service; want: boolean }[] = [
    { name: 'every selector pair present', svc: svc({ app: 'web' }), want: true },
    { name: 'a pair with another value', svc: svc({ app: 'web', tier: 'back' }), want: false },
    { name: 'no selector selects nothing', svc: svc(undefined), want: false },
    { name: 'an empty selector selects nothing', svc: svc({}), want: false },
  ];
  for (const c of cases) test(c.name, () => assert.equal(selectorMatches(c.svc, pod.metadata!.labels), c.want));
});

describe('podEndpointsChanged', () => {
  const base: Pod = {
    metadata: { name: 'p', namespace: 'ns', resourceVersion: '1', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
  const running = (pod: Pod, ready: boolean): Pod => ({
    ...pod,
    metadata: { ...pod.metadata, resourceVersion: String(Number(pod.metadata!.resourceVersion) + 1) },
    status: { ...pod.status, phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  /** `pod` written once more (a newer resourceVersion), with `change` made to a copy of its metadata, spec and status. */
  const next = (pod: Pod, change: (p: { metadata: Record<string, unknown> & { labels?: Record<string, string> }; spec: NonNullable<Pod['spec']>; status: NonNullable<Pod['status']> }) => void): Pod => {
    const p = structuredClone({ metadata: { ...pod.metadata }, spec: pod.spec!, status: pod.status ?? {} });
    p.metadata.resourceVersion = String(Number(pod.metadata!.resourceVersion) + 1);
    change(p);
    return p as Pod;
  };
  const up = running(base, true);
  const cases: { name: string; old: Pod; pod: Pod; want: boolean }[] = [
    { name: 'the same version (a resync) changes nothing', old: up, pod: structuredClone(up), want: false },
    { name: 'a binding (nodeName set before any address) changes nothing', old: base, pod: next(base, (p) => (p.spec.nodeName = 'n1')), want: false },
    { name: 'a condition other than Ready changes nothing', old: up, pod: next(up, (p) => p.status.conditions!.push({ type: 'ContainersReady', status: 'True' })), want: false },
    { name: 'a restart count changes nothing', old: up, pod: next(up, (p) => (p.status.containerStatuses = [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: 1 }])), want: false },
    { name: 'getting an address and Ready does', old: base, pod: running(base, true), want: true },
    { name: 'getting an address while not Ready does', old: base, pod: running(base, false), want: true },
    { name: 'a readiness flip does', old: up, pod: next(up, (p) => (p.status.conditions = [{ type: 'Ready', status: 'False' }])), want: true },
    { name: 'new labels do', old: up, pod: next(up, (p) => (p.metadata.labels = { app: 'api' })), want: true },
    { name: 'a label added does', old: up, pod: next(up, (p) => (p.metadata.labels!.tier = 'front')), want: true },
    { name: 'a hostname does', old: up, pod: next(up, (p) => (p.spec.hostname = 'h')), want: true },
    { name: 'a deletion does', old: up, pod: next(up, (p) => (p.metadata.deletionTimestamp = '2024-05-01T10:00:00Z')), want: true },
    { name: 'finishing does, even with Ready already false', old: running(base, false), pod: next(running(base, false), (p) => (p.status.phase = 'Succeeded')), want: true },
    { name: 'a second address does', old: up, pod: next(up, (p) => p.status.podIPs!.push({ ip: 'fd00::5' })), want: true },
  ];
  for (const c of cases) test(c.name, () => assert.equal(podEndpointsChanged(c.old, c.pod), c.want));
});
