import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { computePodActions, type PodActions, type PodRuntimeState } from './pod-actions.ts';
import type { ContainerStatus, Sandbox } from './runtime/runtime.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const POD_REF = { uid: 'u1', namespace: 'ns', name: 'p' };
const SANDBOX: Sandbox = { id: 'pod-u1', pod: POD_REF, createdAt: new Date(NOW - 60_000) };

function pod(spec: Partial<PodSpec>, status: Pod['status'] = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec }, status };
}

function ctr(name: string, attempt: number, state: ContainerStatus['state'], exitCode?: number, image = 'busybox'): ContainerStatus {
  return {
    id: `${name}-${attempt}`,
    sandboxId: SANDBOX.id,
    pod: POD_REF,
    name,
    attempt,
    image,
    imageId: 'sha256:1',
    state,
    createdAt: new Date(NOW - 10_000 + attempt),
    ...(exitCode !== undefined ? { exitCode, finishedAt: new Date(NOW - 1000) } : {}),
    logPath: `/logs/${name}/${attempt}.log`,
    annotations: {},
  };
}

/** The actions in a compact form: +name#attempt (starts, * when replacing), -id (kills), x id (removes). */
function summary(a: PodActions): string[] {
  return [
    ...(a.createSandbox ? ['sandbox'] : []),
    ...(a.deadlineExceeded ? ['deadline'] : []),
    ...a.kill.map((k) => `-${k.id}${k.remove ? '!' : ''}`),
    ...a.start.map((s) => `+${s.init ? 'init:' : ''}${s.name}#${s.attempt}${s.replaces ? '*' : ''}`),
    ...a.remove.map((id) => `x${id}`),
  ];
}

const two: Partial<PodSpec> = { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] };
const withInit: Partial<PodSpec> = { initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }], containers: [{ name: 'app', image: 'busybox' }] };

const cases: { name: string; pod: Pod; state: PodRuntimeState; want: string[] }[] = [
  { name: 'new pod: sandbox and every app container', pod: pod(two), state: { containers: [] }, want: ['sandbox', '+a#0', '+b#0'] },
  { name: 'all running: nothing to do', pod: pod(two), state: { sandbox: SANDBOX, containers: [ctr('a', 0, 'running'), ctr('b', 0, 'running')] }, want: [] },
  { name: 'init containers: only the first', pod: pod(withInit), state: { containers: [] }, want: ['sandbox', '+init:i1#0'] },
  { name: 'init running: wait', pod: pod(withInit), state: { sandbox: SANDBOX, containers: [ctr('i1', 0, 'running')] }, want: [] },
  { name: 'first init done: the second', pod: pod(withInit), state: { sandbox: SANDBOX, containers: [ctr('i1', 0, 'exited', 0)] }, want: ['+init:i2#0'] },
  { name: 'inits done: app', pod: pod(withInit), state: { sandbox: SANDBOX, containers: [ctr('i1', 0, 'exited', 0), ctr('i2', 0, 'exited', 0)] }, want: ['+app#0'] },
  { name: 'failed init restarts (Always)', pod: pod(withInit), state: { sandbox: SANDBOX, containers: [ctr('i1', 0, 'exited', 1)] }, want: ['+init:i1#1*'] },
  { name: 'failed init with Never: nothing more', pod: pod({ ...withInit, restartPolicy: 'Never' }), state: { sandbox: SANDBOX, containers: [ctr('i1', 0, 'exited', 1)] }, want: [] },
  { name: 'Always restarts an exit 0', pod: pod({}), state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'exited', 0)] }, want: ['+app#1*'] },
  { name: 'OnFailure restarts an exit 1', pod: pod({ restartPolicy: 'OnFailure' }), state: { sandbox: SANDBOX, containers: [ctr('app', 3, 'exited', 1)] }, want: ['+app#4*'] },
  { name: 'OnFailure leaves an exit 0', pod: pod({ restartPolicy: 'OnFailure' }), state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'exited', 0)] }, want: [] },
  { name: 'Never leaves an exit 1', pod: pod({ restartPolicy: 'Never' }), state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'exited', 1)] }, want: [] },
  {
    name: 'liveness failure: kill and restart',
    pod: pod({}),
    state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running')], unhealthy: new Set(['app-0']) },
    want: ['-app-0', '+app#1'],
  },
  {
    name: 'liveness failure under Never: kill only',
    pod: pod({ restartPolicy: 'Never' }),
    state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running')], unhealthy: new Set(['app-0']) },
    want: ['-app-0'],
  },
  { name: 'image changed: replace', pod: pod({ containers: [{ name: 'app', image: 'busybox:2' }] }), state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running')] }, want: ['-app-0', '+app#1'] },
  {
    name: 'dead attempts older than the previous one are removed',
    pod: pod({}),
    state: { sandbox: SANDBOX, containers: [ctr('app', 2, 'running'), ctr('app', 1, 'exited', 1), ctr('app', 0, 'exited', 1)] },
    want: ['xapp-0'],
  },
  {
    name: 'containers the spec does not name go',
    pod: pod({}),
    state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running'), ctr('old', 0, 'running'), ctr('gone', 0, 'exited', 0)] },
    want: ['-old-0!', 'xgone-0'],
  },
  { name: 'a container left created (kubelet died mid-start) is replaced', pod: pod({}), state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'created')] }, want: ['-app-0', '+app#1'] },
  { name: 'sandbox gone (reboot): recreated, attempts continue', pod: pod({}), state: { containers: [ctr('app', 1, 'exited', 137)] }, want: ['sandbox', '+app#2*'] },
  { name: 'sandbox gone for a Never pod that ran: left alone', pod: pod({ restartPolicy: 'Never' }), state: { containers: [ctr('app', 0, 'exited', 0)] }, want: [] },
  { name: 'terminal pod: running leftovers are stopped, nothing starts', pod: pod({}, { phase: 'Failed' }), state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running')] }, want: ['-app-0'] },
  {
    name: 'activeDeadlineSeconds passed: stop everything',
    pod: pod({ activeDeadlineSeconds: 30 }, { startTime: '2026-11-26T11:59:00Z' }),
    state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running')] },
    want: ['deadline', '-app-0'],
  },
  {
    name: 'activeDeadlineSeconds not yet passed',
    pod: pod({ activeDeadlineSeconds: 300 }, { startTime: '2026-11-26T11:59:00Z' }),
    state: { sandbox: SANDBOX, containers: [ctr('app', 0, 'running')] },
    want: [],
  },
];

describe('computePodActions', () => {
  for (const c of cases) test(c.name, () => assert.deepEqual(summary(computePodActions(c.pod, c.state, NOW)), c.want));
});
