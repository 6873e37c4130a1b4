import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { COMPLETE_AFTER_ANNOTATION, hollowPodStatus, nextPodStep, type PodStep } from './hollow-pod.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');

function pod(over: { phase?: string; deleting?: boolean; completeAfter?: string; startTime?: string } = {}): Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u1',
      ...(over.deleting ? { deletionTimestamp: '2026-11-26T12:00:00Z' } : {}),
      ...(over.completeAfter ? { annotations: { [COMPLETE_AFTER_ANNOTATION]: over.completeAfter } } : {}),
    },
    spec: { nodeName: 'hollow-0', containers: [{ name: 'app', image: 'busybox' }] },
    status: { ...(over.phase ? { phase: over.phase } : {}), ...(over.startTime ? { startTime: over.startTime } : {}) },
  };
}

test('nextPodStep', () => {
  const cases: [string, Pod, PodStep][] = [
    ['a new pod starts', pod(), { kind: 'start' }],
    ['a pending pod starts', pod({ phase: 'Pending' }), { kind: 'start' }],
    ['a running pod stays', pod({ phase: 'Running' }), { kind: 'none' }],
    ['a finished pod stays', pod({ phase: 'Succeeded', completeAfter: '1s' }), { kind: 'none' }],
    ['a failed pod stays', pod({ phase: 'Failed' }), { kind: 'none' }],
    ['a pod being deleted is finished off', pod({ phase: 'Running', deleting: true }), { kind: 'delete' }],
    ['a finished pod being deleted is finished off', pod({ phase: 'Succeeded', deleting: true }), { kind: 'delete' }],
    ['a pod asked to finish starts first', pod({ completeAfter: '5s' }), { kind: 'start' }],
    ['it waits for its time', pod({ phase: 'Running', completeAfter: '5s', startTime: '2026-11-26T11:59:58Z' }), { kind: 'wait', atMs: NOW + 3000 }],
    ['then completes', pod({ phase: 'Running', completeAfter: '5s', startTime: '2026-11-26T11:59:55Z' }), { kind: 'complete' }],
    ['an unreadable duration is ignored', pod({ phase: 'Running', completeAfter: 'soon' }), { kind: 'none' }],
  ];
  for (const [name, p, want] of cases) assert.deepEqual(nextPodStep(p, NOW), want, name);
});

test('a started pod is Running and Ready with its address and a running container; PodScheduled is kept', () => {
  const p = pod();
  p.status!.conditions = [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-26T11:00:00Z' }];
  const status = hollowPodStatus({ pod: p, phase: 'Running', podIP: '100.64.0.2', hostIP: '172.16.0.1', now: NOW });
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, '100.64.0.2');
  assert.deepEqual(status.podIPs, [{ ip: '100.64.0.2' }]);
  assert.equal(status.hostIP, '172.16.0.1');
  assert.equal(status.startTime, '2026-11-26T12:00:00Z');
  const byType = Object.fromEntries(status.conditions!.map((c) => [c.type, c.status]));
  assert.deepEqual(byType, { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
  assert.equal(status.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2026-11-26T11:00:00Z');
  assert.deepEqual(status.containerStatuses![0].state, { running: { startedAt: '2026-11-26T12:00:00Z' } });
  assert.equal(status.containerStatuses![0].ready, true);
});

test('a completed pod is Succeeded, not Ready, its containers terminated with exit code 0', () => {
  const pending = pod({ startTime: '2026-11-26T11:59:50Z' });
  const running: Pod = { ...pending, status: hollowPodStatus({ pod: pending, phase: 'Running', podIP: '100.64.0.2', hostIP: '172.16.0.1', now: NOW - 10_000 }) };
  const status = hollowPodStatus({ pod: running, phase: 'Succeeded', podIP: '100.64.0.2', hostIP: '172.16.0.1', now: NOW });
  assert.equal(status.phase, 'Succeeded');
  assert.equal(status.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
  assert.equal(status.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
  assert.deepEqual(status.containerStatuses![0].state, { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-11-26T11:59:50Z', finishedAt: '2026-11-26T12:00:00Z' } });
  assert.equal(status.startTime, '2026-11-26T11:59:50Z');
});
