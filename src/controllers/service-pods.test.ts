import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { findPort, selectorMatches } from './service-pods.ts';

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
