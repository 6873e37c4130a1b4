import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../client/fake-clock.test-support.ts';
import { ProbeManager, type PodProbeState, type ProbeChange } from './probe-manager.ts';
import type { ProbeOutcome } from './prober.ts';
import type { ProbeTarget } from './target.ts';

/** A manager whose probes answer from a script per probe kind ("fail"/"pass" by path). */
function setup() {
  const clock = new FakeClock();
  const answers = new Map<string, ProbeOutcome>();
  const calls: string[] = [];
  const events: string[] = [];
  const changes: Array<[string, ProbeChange]> = [];
  const manager = new ProbeManager({
    runtime: { exec: async () => ({ exitCode: 0 }) },
    clock,
    recorder: { event: async (_obj, type, reason, message) => void events.push(`${type} ${reason} ${message}`) },
    onChange: (uid, change) => changes.push([uid, change]),
    probe: async (spec: Probe, target: ProbeTarget) => {
      const what = `${target.containerId}:${spec.exec!.command![0]}`;
      calls.push(what);
      const outcome = answers.get(what) ?? 'success';
      return { outcome, output: outcome === 'failure' ? 'it hurts' : 'ok' };
    },
  });
  return { clock, answers, calls, events, changes, manager };
}

const probeSpec = (name: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: [name] }, periodSeconds: 10, ...extra });

function pod(container: Partial<Container>): Pod {
  return { metadata: { uid: 'u1', name: 'web', namespace: 'ns' }, spec: { containers: [{ name: 'app', ...container }] } };
}

function state(clock: FakeClock, id = 'c1', running = true): PodProbeState {
  return { containers: [{ id, name: 'app', state: running ? 'running' : 'exited', createdAt: new Date(clock.now()), startedAt: new Date(clock.now()) }] };
}

describe('ProbeManager', () => {
  test('readiness starts false, passes after the initial delay, fails after failureThreshold failures', async () => {
    const { clock, answers, events, changes, manager } = setup();
    manager.update(pod({ readinessProbe: probeSpec('ready', { initialDelaySeconds: 5 }) }), state(clock));
    assert.equal(manager.readiness('c1'), false);
    assert.equal(manager.isReady('u1', 'app'), false);
    await clock.advance(4_000);
    assert.equal(manager.readiness('c1'), false, 'not probed before the initial delay');
    await clock.advance(1_000);
    assert.equal(manager.readiness('c1'), true);
    assert.equal(manager.isReady('u1', 'app'), true);
    assert.deepEqual(changes, [['u1', {}]]);

    answers.set('c1:ready', 'failure');
    await clock.advance(20_000);
    assert.equal(manager.readiness('c1'), true, 'two failures are below the threshold of 3');
    await clock.advance(10_000);
    assert.equal(manager.readiness('c1'), false);
    assert.equal(changes.length, 2);
    assert.deepEqual(events, Array(3).fill('Warning Unhealthy Readiness probe failed: it hurts'));
    assert.deepEqual(manager.unhealthy('u1'), new Set(), 'readiness failures never restart');
  });

  test('successThreshold needs passes in a row', async () => {
    const { clock, manager } = setup();
    manager.update(pod({ readinessProbe: probeSpec('ready', { successThreshold: 2 }) }), state(clock));
    await clock.advance(0);
    assert.equal(manager.readiness('c1'), false);
    await clock.advance(10_000);
    assert.equal(manager.readiness('c1'), true);
  });

  test('liveness failure marks the container for restart and holds until a new container replaces it', async () => {
    const { clock, answers, calls, changes, manager } = setup();
    const p = pod({ livenessProbe: probeSpec('live', { failureThreshold: 2 }) });
    manager.update(p, state(clock));
    answers.set('c1:live', 'failure');
    await clock.advance(10_000);
    assert.deepEqual(manager.unhealthy('u1'), new Set(['c1']));
    assert.deepEqual(changes, [['u1', { needsRestart: { containerName: 'app', containerId: 'c1', message: 'Container app failed liveness probe, will be restarted' } }]]);
    const probed = calls.length;
    await clock.advance(30_000);
    assert.equal(calls.length, probed, 'no more probes of a container that is being restarted');

    manager.update(p, state(clock, 'c2'));
    assert.deepEqual(manager.unhealthy('u1'), new Set(), 'the old container is forgotten');
    await clock.advance(0);
    assert.equal(calls.at(-1), 'c2:live');
  });

  test('a startup probe gates liveness and readiness until it passes', async () => {
    const { clock, answers, calls, manager } = setup();
    answers.set('c1:start', 'failure');
    manager.update(pod({ startupProbe: probeSpec('start', { failureThreshold: 10 }), livenessProbe: probeSpec('live'), readinessProbe: probeSpec('ready') }), state(clock));
    await clock.advance(20_000);
    assert.deepEqual(new Set(calls), new Set(['c1:start']));
    assert.equal(manager.isStarted('u1', 'app'), false);
    assert.equal(manager.startup('c1'), undefined);
    answers.set('c1:start', 'success');
    await clock.advance(10_000);
    assert.equal(manager.isStarted('u1', 'app'), true);
    calls.length = 0;
    await clock.advance(10_000);
    assert.deepEqual(new Set(calls), new Set(['c1:live', 'c1:ready']), 'startup is probed no more; the others begin');
    assert.equal(manager.isReady('u1', 'app'), true);
  });

  test('a failed startup probe restarts the container', async () => {
    const { clock, answers, changes, manager } = setup();
    answers.set('c1:start', 'failure');
    manager.update(pod({ startupProbe: probeSpec('start', { failureThreshold: 1 }) }), state(clock));
    await clock.advance(0);
    assert.equal(changes[0][1].needsRestart?.message, 'Container app failed startup probe, will be restarted');
  });

  test('warnings pass with an event; errors change nothing', async () => {
    const { clock, answers, events, manager } = setup();
    answers.set('c1:ready', 'warning');
    manager.update(pod({ readinessProbe: probeSpec('ready') }), state(clock));
    await clock.advance(0);
    assert.equal(manager.readiness('c1'), true);
    answers.set('c1:ready', 'unknown');
    await clock.advance(50_000);
    assert.equal(manager.readiness('c1'), true);
    assert.equal(events[0], 'Warning ProbeWarning Readiness probe warning: ok');
    assert.match(events[1], /^Warning Unhealthy Readiness probe errored: /);
  });

  test('containers without probes are ready and started while running', () => {
    const { clock, manager } = setup();
    manager.update(pod({}), state(clock));
    assert.equal(manager.isReady('u1', 'app'), true);
    assert.equal(manager.isStarted('u1', 'app'), true);
    assert.equal(manager.readiness('c1'), undefined);
    manager.update(pod({}), state(clock, 'c1', false));
    assert.equal(manager.isReady('u1', 'app'), false);
  });

  test('removePod and stop end the workers', async () => {
    const { clock, calls, manager } = setup();
    manager.update(pod({ readinessProbe: probeSpec('ready') }), state(clock));
    await clock.advance(0);
    manager.removePod('u1');
    assert.equal(clock.pending(), 0);
    assert.equal(manager.readiness('c1'), undefined);
    const n = calls.length;
    await clock.advance(60_000);
    assert.equal(calls.length, n);
    manager.update(pod({ readinessProbe: probeSpec('ready') }), state(clock, 'c3'));
    manager.stop();
    assert.equal(clock.pending(), 0);
  });
});
