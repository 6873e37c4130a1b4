import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerPort } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin, PreFilterPlugin } from '../framework/interface.ts';
import { newNodePorts } from './node-ports.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const plugin = newNodePorts(undefined, fakeHandle([])) as PreFilterPlugin & FilterPlugin;
const withPorts = (name: string, ports: ContainerPort[]) => makePod(name, { containers: [{ name: 'c', image: 'busybox', ports }] });

const cases: { name: string; existing: ContainerPort[]; wanted: ContainerPort[]; code: string }[] = [
  { name: 'no host ports: skipped', existing: [{ containerPort: 80, hostPort: 80 }], wanted: [{ containerPort: 80 }], code: 'Skip' },
  { name: 'a free port', existing: [{ containerPort: 80, hostPort: 80 }], wanted: [{ containerPort: 80, hostPort: 8080 }], code: 'Success' },
  { name: 'the same port', existing: [{ containerPort: 80, hostPort: 80 }], wanted: [{ containerPort: 81, hostPort: 80 }], code: 'Unschedulable' },
  { name: 'the same port on another protocol', existing: [{ containerPort: 53, hostPort: 53 }], wanted: [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }], code: 'Success' },
  { name: 'different host IPs', existing: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }], wanted: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.2' }], code: 'Success' },
  { name: 'any address against a specific one', existing: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.1' }], wanted: [{ containerPort: 80, hostPort: 80 }], code: 'Unschedulable' },
  { name: 'a specific address against any', existing: [{ containerPort: 80, hostPort: 80 }], wanted: [{ containerPort: 80, hostPort: 80, hostIP: '10.0.0.2' }], code: 'Unschedulable' },
];
for (const c of cases) {
  test(c.name, () => {
    const info = nodeWith(makeNode('n1'), [withPorts('e', c.existing)]);
    const pod = withPorts('p', c.wanted);
    const state = new CycleState();
    const pre = plugin.preFilter(state, pod, [info]);
    const got = pre.status.code === 'Skip' ? pre.status : plugin.filter(state, pod, info);
    assert.equal(got.code, c.code);
    if (c.code === 'Unschedulable') assert.deepEqual(got.reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  });
}
