import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../api/catalogue.ts';
import { FakeApi } from './fake-api.test-support.ts';
import { FakeClock, settle } from './fake-clock.test-support.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.ts';

function candidate(api: FakeApi, clock: FakeClock, identity: string, extra: Partial<LeaderElectionOptions> = {}) {
  const log: string[] = [];
  const stop = new AbortController();
  let leadership: AbortSignal | undefined;
  const elector = new LeaderElector(api, {
    name: 'kube-controller-manager',
    identity,
    clock,
    log: (l) => log.push(l),
    onStartedLeading: (signal) => {
      leadership = signal;
      log.push('started');
    },
    onStoppedLeading: () => log.push('stopped'),
    ...extra,
  });
  const done = elector.run(stop.signal);
  return { elector, log, stop: () => stop.abort(), done, leadership: () => leadership };
}

const lease = (api: FakeApi) => [...api.objects.values()][0] as Lease;

describe('LeaderElector', () => {
  test('the first candidate creates the Lease and leads; the second waits', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await settle();
    const b = candidate(api, clock, 'b');
    await clock.advance(60_000);
    assert.equal(a.elector.isLeader(), true);
    assert.equal(b.elector.isLeader(), false);
    assert.equal(b.elector.leader(), 'a');
    const l = lease(api);
    assert.equal(l.metadata?.namespace, 'kube-system');
    assert.equal(l.spec?.holderIdentity, 'a');
    assert.equal(l.spec?.leaseDurationSeconds, 15);
    assert.match(l.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    a.stop();
    b.stop();
    await Promise.all([a.done, b.done]);
  });

  test('a clean stop releases the Lease and the other candidate takes over at its next try', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await settle();
    const b = candidate(api, clock, 'b');
    await clock.advance(10_000);
    a.stop();
    await a.done;
    assert.deepEqual(a.log.filter((l) => l === 'started' || l === 'stopped'), ['started', 'stopped']);
    assert.equal(a.leadership()?.aborted, true);
    assert.equal(lease(api).spec?.holderIdentity, '');
    await clock.advance(2_000);
    assert.equal(b.elector.isLeader(), true);
    assert.equal(lease(api).spec?.holderIdentity, 'b');
    assert.equal(lease(api).spec?.leaseTransitions, 1);
    b.stop();
    await b.done;
  });

  test('a leader that cannot renew for renewDeadline stops leading; another takes over once the lease expired', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await settle();
    assert.equal(a.elector.isLeader(), true);
    // a's renewals fail (its requests never arrive), b's go through.
    const realUpdate = api.update.bind(api);
    api.update = async (r, obj) => {
      if ((obj as Lease).spec?.holderIdentity === 'a') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return realUpdate(r, obj);
    };
    const b = candidate(api, clock, 'b');
    await clock.advance(9_000);
    assert.equal(a.elector.isLeader(), true, 'still within renewDeadline');
    assert.equal(b.elector.isLeader(), false);
    await clock.advance(2_000);
    await a.done;
    assert.equal(a.elector.isLeader(), false);
    assert.ok(a.log.includes('stopped'));
    assert.equal(a.leadership()?.aborted, true);
    assert.equal(b.elector.isLeader(), false, 'the lease has not expired yet for b');
    await clock.advance(6_000);
    assert.equal(b.elector.isLeader(), true);
    b.stop();
    await b.done;
  });

  test('of two candidates racing for a free Lease, exactly one wins', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    await api.create(findResource('coordination.k8s.io', 'v1', 'leases')!, {
      metadata: { name: 'kube-controller-manager', namespace: 'kube-system' },
      spec: { holderIdentity: '' },
    });
    const a = candidate(api, clock, 'a');
    const b = candidate(api, clock, 'b');
    for (let i = 0; i < 20; i++) {
      await clock.advance(1_000);
      assert.equal(Number(a.elector.isLeader()) + Number(b.elector.isLeader()), 1);
    }
    a.stop();
    b.stop();
    await Promise.all([a.done, b.done]);
  });

  test('a renewal that hangs ends leadership at the renew deadline', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await settle();
    assert.equal(a.elector.isLeader(), true);
    api.get = () => new Promise(() => {});
    api.update = () => new Promise(() => {});
    await clock.advance(9_000);
    assert.equal(a.elector.isLeader(), true);
    await clock.advance(3_000);
    await a.done;
    assert.equal(a.leadership()?.aborted, true);
    assert.ok(a.log.includes('stopped'));
  });

  test('a leader renews with one write from the Lease it last wrote, and reads the Lease again once someone else wrote it', async () => {
    const api = new FakeApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await settle();
    assert.equal(a.elector.isLeader(), true);
    const acquired = lease(api).spec?.acquireTime;
    const firstRenew = lease(api).spec?.renewTime;
    api.calls = [];
    await clock.advance(10_000);
    assert.deepEqual(new Set(api.calls), new Set(['update leases/kube-controller-manager']), 'renewals are writes only');
    assert.ok(api.calls.length >= 4);
    assert.equal(lease(api).spec?.holderIdentity, 'a');
    assert.equal(lease(api).spec?.acquireTime, acquired, 'a renewal keeps the acquire time');
    assert.notEqual(lease(api).spec?.renewTime, firstRenew);
    // Another writer takes the Lease: a's next write conflicts, a reads the Lease and sees b hold it.
    const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;
    await api.update(leases, { ...lease(api), spec: { ...lease(api).spec, holderIdentity: 'b', renewTime: lease(api).spec?.renewTime } });
    api.calls = [];
    await clock.advance(2_000);
    assert.deepEqual(api.calls, ['update leases/kube-controller-manager', 'get leases/kube-controller-manager']);
    assert.equal(a.elector.leader(), 'b');
    await clock.advance(10_000);
    await a.done;
    assert.equal(a.elector.isLeader(), false);
    assert.equal(lease(api).spec?.holderIdentity, 'b', 'a did not take the Lease back while b held it');
  });
});
