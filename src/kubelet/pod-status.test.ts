import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod, PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';
import { computePodStatus, displayImage, sameStatus, type ContainerWaiting, type PodStatusInputs } from './pod-status.ts';
import type { ContainerStatus, Sandbox } from './runtime/runtime.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const T = (s: number) => new Date(NOW - s * 1000);
const POD_REF = { uid: 'u1', namespace: 'ns', name: 'p' };
const SANDBOX: Sandbox = { id: 'pod-u1', pod: POD_REF, createdAt: T(60) };

function pod(spec: Partial<PodSpec> = {}, status: PodStatus = {}): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec }, status };
}

function ctr(name: string, attempt: number, state: ContainerStatus['state'], exit?: { code: number; reason?: string }): ContainerStatus {
  return {
    id: `${name}${attempt}`,
    sandboxId: SANDBOX.id,
    pod: POD_REF,
    name,
    attempt,
    image: 'busybox',
    imageId: 'sha256:img',
    state,
    createdAt: T(50 - attempt),
    startedAt: state === 'created' ? undefined : T(40 - attempt),
    ...(exit ? { exitCode: exit.code, reason: exit.reason, finishedAt: T(30 - attempt) } : {}),
    logPath: '',
    annotations: {},
  };
}

function status(p: Pod, containers: ContainerStatus[], extra: Partial<PodStatusInputs> = {}, waiting: Record<string, ContainerWaiting> = {}): PodStatus {
  return computePodStatus({
    pod: p,
    state: { sandbox: SANDBOX, containers },
    waiting: new Map(Object.entries(waiting)),
    readiness: () => undefined,
    startup: () => undefined,
    nodeIP: '10.0.0.5',
    runtimeName: 'runc',
    repoDigests: new Map([['sha256:img', 'docker.io/library/busybox@sha256:d1']]),
    deadlineExceeded: false,
    now: NOW,
    ...extra,
  });
}

const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type);

describe('phase', () => {
  const two: Partial<PodSpec> = { containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }] };
  const cases: [string, Partial<PodSpec>, ContainerStatus[], string, Record<string, ContainerWaiting>?][] = [
    ['nothing created yet', {}, [], 'Pending'],
    ['running', {}, [ctr('app', 0, 'running')], 'Running'],
    ['one running one still creating', two, [ctr('a', 0, 'running')], 'Pending'],
    ['Always, exited 0: Running (it restarts)', {}, [ctr('app', 0, 'exited', { code: 0 })], 'Running'],
    ['Never, exit 0: Succeeded', { restartPolicy: 'Never' }, [ctr('app', 0, 'exited', { code: 0 })], 'Succeeded'],
    ['Never, exit 1: Failed', { restartPolicy: 'Never' }, [ctr('app', 0, 'exited', { code: 1 })], 'Failed'],
    ['Never, one running one failed: Running', { ...two, restartPolicy: 'Never' }, [ctr('a', 0, 'running'), ctr('b', 0, 'exited', { code: 1 })], 'Running'],
    ['OnFailure, exit 0: Succeeded', { restartPolicy: 'OnFailure' }, [ctr('app', 0, 'exited', { code: 0 })], 'Succeeded'],
    ['OnFailure, crash-looping: Running', { restartPolicy: 'OnFailure' }, [ctr('app', 1, 'exited', { code: 1 })], 'Running', { app: { reason: 'CrashLoopBackOff' } }],
    ['image pull failing: Pending', {}, [], 'Pending', { app: { reason: 'ErrImagePull', message: 'not found' } }],
    ['init running: Pending', { initContainers: [{ name: 'i', image: 'busybox' }] }, [ctr('i', 0, 'running')], 'Pending'],
    ['init failed under Never: Failed', { restartPolicy: 'Never', initContainers: [{ name: 'i', image: 'busybox' }] }, [ctr('i', 0, 'exited', { code: 2 })], 'Failed'],
  ];
  for (const [name, spec, containers, want, waiting] of cases) {
    test(name, () => assert.equal(status(pod(spec), containers, {}, waiting).phase, want));
  }
  test('a terminal phase is never left', () => {
    assert.equal(status(pod({}, { phase: 'Succeeded' }), [ctr('app', 0, 'running')]).phase, 'Succeeded');
  });
  test('active deadline: Failed with DeadlineExceeded', () => {
    const s = status(pod(), [ctr('app', 0, 'running')], { deadlineExceeded: true });
    assert.deepEqual([s.phase, s.reason, s.message], ['Failed', 'DeadlineExceeded', 'Pod was active longer than specified deadline']);
  });
});

describe('container statuses', () => {
  test('running: ids, image, started and ready', () => {
    const [c] = status(pod(), [ctr('app', 0, 'running')]).containerStatuses!;
    assert.deepEqual(c, {
      name: 'app',
      image: 'docker.io/library/busybox:latest',
      imageID: 'docker.io/library/busybox@sha256:d1',
      containerID: 'runc://app0',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: '2026-11-26T11:59:20Z' } },
      lastState: {},
    });
  });

  test('not yet created: ContainerCreating; behind init containers: PodInitializing', () => {
    assert.deepEqual(status(pod(), []).containerStatuses![0].state, { waiting: { reason: 'ContainerCreating' } });
    const s = status(pod({ initContainers: [{ name: 'i', image: 'busybox' }] }), []);
    assert.deepEqual(s.containerStatuses![0].state, { waiting: { reason: 'PodInitializing' } });
    assert.deepEqual(s.initContainerStatuses![0].state, { waiting: { reason: 'PodInitializing' } });
  });

  test('crash loop: waiting CrashLoopBackOff, last state terminated, restart count', () => {
    const message = 'back-off 10s restarting failed container=app pod=p_ns(u1)';
    const [c] = status(pod(), [ctr('app', 2, 'exited', { code: 1 }), ctr('app', 1, 'exited', { code: 1 })], {}, { app: { reason: 'CrashLoopBackOff', message } }).containerStatuses!;
    assert.deepEqual(c.state, { waiting: { reason: 'CrashLoopBackOff', message } });
    assert.equal(c.lastState?.terminated?.exitCode, 1);
    assert.equal(c.lastState?.terminated?.reason, 'Error');
    assert.equal(c.lastState?.terminated?.containerID, 'runc://app2');
    assert.equal(c.restartCount, 2);
    assert.equal(c.ready, false);
  });

  test('restarted and running: last state is the previous attempt', () => {
    const [c] = status(pod(), [ctr('app', 1, 'running'), ctr('app', 0, 'exited', { code: 137, reason: 'OOMKilled' })]).containerStatuses!;
    assert.equal(c.restartCount, 1);
    assert.deepEqual(c.lastState?.terminated, {
      exitCode: 137,
      reason: 'OOMKilled',
      startedAt: '2026-11-26T11:59:20Z',
      finishedAt: '2026-11-26T11:59:30Z',
      containerID: 'runc://app0',
    });
  });

  test('terminated: Completed for exit 0', () => {
    const [c] = status(pod({ restartPolicy: 'Never' }), [ctr('app', 0, 'exited', { code: 0 })]).containerStatuses!;
    assert.equal(c.state?.terminated?.reason, 'Completed');
    assert.equal(c.started, false);
  });

  test('probes: not ready until the readiness probe passes, not started until the startup probe does', () => {
    const spec = { containers: [{ name: 'app', image: 'busybox', readinessProbe: {}, startupProbe: {} }] };
    const none = status(pod(spec), [ctr('app', 0, 'running')]).containerStatuses![0];
    assert.deepEqual([none.started, none.ready], [false, false]);
    const startedOnly = status(pod(spec), [ctr('app', 0, 'running')], { startup: () => true }).containerStatuses![0];
    assert.deepEqual([startedOnly.started, startedOnly.ready], [true, false]);
    const both = status(pod(spec), [ctr('app', 0, 'running')], { startup: () => true, readiness: () => true }).containerStatuses![0];
    assert.deepEqual([both.started, both.ready], [true, true]);
  });

  test('displayImage normalises, bad references stay as written', () => {
    assert.equal(displayImage('nginx:1.25'), 'docker.io/library/nginx:1.25');
    assert.equal(displayImage('localhost:5000/x'), 'localhost:5000/x:latest');
    assert.equal(displayImage('Bad Image'), 'Bad Image');
  });
});

describe('conditions and the rest', () => {
  test('running and ready', () => {
    const s = status(pod({}, { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-26T11:00:00Z' }] }), [ctr('app', 0, 'running')]);
    assert.deepEqual(
      s.conditions!.map((c) => `${c.type}=${c.status}`),
      ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
    );
    assert.equal(s.hostIP, '10.0.0.5');
    assert.deepEqual(s.hostIPs, [{ ip: '10.0.0.5' }]);
    assert.equal(s.podIP, undefined);
    assert.equal(s.startTime, '2026-11-26T12:00:00Z');
    assert.equal(s.qosClass, 'BestEffort');
  });

  test('not ready names the containers; init pending names them', () => {
    const s = status(pod({ initContainers: [{ name: 'i1', image: 'b' }, { name: 'i2', image: 'b' }], containers: [{ name: 'a', image: 'b' }, { name: 'b', image: 'b' }] }), [ctr('i1', 0, 'exited', { code: 0 })]);
    assert.equal(cond(s, 'Initialized')?.message, 'containers with incomplete status: [i2]');
    assert.equal(cond(s, 'Initialized')?.reason, 'ContainersNotInitialized');
    assert.equal(cond(s, 'Ready')?.message, 'containers with unready status: [a b]');
    assert.equal(cond(s, 'ContainersReady')?.reason, 'ContainersNotReady');
  });

  test('completed pods: PodCompleted', () => {
    const s = status(pod({ restartPolicy: 'Never' }), [ctr('app', 0, 'exited', { code: 0 })]);
    assert.equal(cond(s, 'Ready')?.reason, 'PodCompleted');
    assert.equal(cond(s, 'ContainersReady')?.status, 'False');
  });

  test('hostNetwork pods get the node IP; others the sandbox IP when it has one', () => {
    assert.equal(status(pod({ hostNetwork: true }), [ctr('app', 0, 'running')]).podIP, '10.0.0.5');
    const s = computePodStatus({ ...baseInputs(), state: { sandbox: { ...SANDBOX, ip: '10.42.0.7' }, containers: [] } });
    assert.deepEqual(s.podIPs, [{ ip: '10.42.0.7' }]);
  });

  test('transition times move only when a condition flips; recomputing is stable', () => {
    const first = status(pod(), [ctr('app', 0, 'running')], { now: NOW - 60_000 });
    const again = status(pod({}, first), [ctr('app', 0, 'running')]);
    assert.ok(sameStatus(first, again));
    assert.equal(cond(again, 'Ready')?.lastTransitionTime, '2026-11-26T11:59:00Z');
    const flipped = status(pod({}, first), [ctr('app', 0, 'exited', { code: 1 })], {}, { app: { reason: 'CrashLoopBackOff' } });
    assert.equal(cond(flipped, 'Ready')?.lastTransitionTime, '2026-11-26T12:00:00Z');
    assert.equal(cond(flipped, 'Initialized')?.lastTransitionTime, '2026-11-26T11:59:00Z');
    assert.ok(!sameStatus(first, flipped));
  });

  test('readiness gates hold Ready back', () => {
    const s = status(pod({ readinessGates: [{ conditionType: 'example.com/lb' }] }), [ctr('app', 0, 'running')]);
    assert.equal(cond(s, 'ContainersReady')?.status, 'True');
    assert.equal(cond(s, 'Ready')?.status, 'False');
  });

  test('sameStatus ignores key order and nulls', () => {
    assert.ok(sameStatus({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null as unknown as string }] }, { conditions: [{ status: 'True', type: 'Ready' }], phase: 'Running' }));
  });
});

function baseInputs(): PodStatusInputs {
  return {
    pod: pod(),
    state: { sandbox: SANDBOX, containers: [] },
    waiting: new Map(),
    readiness: () => undefined,
    startup: () => undefined,
    nodeIP: '10.0.0.5',
    runtimeName: 'runc',
    repoDigests: new Map(),
    deadlineExceeded: false,
    now: NOW,
  };
}
