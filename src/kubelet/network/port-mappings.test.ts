import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PortMapping } from '../runtime/runtime.ts';
import { podPortMappings } from './port-mappings.ts';

describe('podPortMappings', () => {
  const cases: { name: string; spec: Pod['spec']; want: PortMapping[] }[] = [
    { name: 'no ports', spec: { containers: [{ name: 'a' }] }, want: [] },
    { name: 'container ports without hostPort', spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] }, want: [] },
    {
      name: 'hostPorts of every container, TCP by default',
      spec: {
        containers: [
          { name: 'a', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] },
          { name: 'b', ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '10.0.0.1' }] },
        ],
      },
      want: [
        { protocol: 'TCP', containerPort: 80, hostPort: 8080 },
        { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIP: '10.0.0.1' },
      ],
    },
    { name: 'hostNetwork pods map nothing', spec: { hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 80 }] }] }, want: [] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(podPortMappings({ spec: c.spec }), c.want));
});
