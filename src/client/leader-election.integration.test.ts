import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from './control-plane.test-support.ts';
import { LeaderElector } from './leader-election.ts';

const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;

describe('LeaderElector against a real API server', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster();
  });
  after(() => cluster.cleanup());

  test('two candidates on one Lease: one leads at a time, the other takes over when it stops', async () => {
    const leading = new Set<string>();
    let bothLed = false;
    const candidate = (identity: string) => {
      const stop = new AbortController();
      const elector = new LeaderElector(cluster.client, {
        name: 'test-manager',
        identity,
        // Short periods keep the test quick; the lease outlives any scheduling hiccup of a loaded machine.
        leaseDurationMs: 20_000,
        renewDeadlineMs: 15_000,
        retryPeriodMs: 100,
        log: () => {},
        onStartedLeading: () => {
          leading.add(identity);
          if (leading.size > 1) bothLed = true;
        },
        onStoppedLeading: () => leading.delete(identity),
      });
      return { elector, stop: () => stop.abort(), done: elector.run(stop.signal) };
    };
    const a = candidate('a');
    await waitFor('a to lead', () => a.elector.isLeader());
    const b = candidate('b');
    await waitFor('b to see a as leader', () => b.elector.leader() === 'a');
    // b keeps trying for a while (several retry periods) without getting in.
    const tries = Date.now() + 1000;
    await waitFor('b to have tried for a second', () => Date.now() > tries);
    assert.equal(b.elector.isLeader(), false);

    a.stop();
    await a.done;
    await waitFor('b to take over', () => b.elector.isLeader());
    assert.equal(bothLed, false);
    const lease = await cluster.client.get<Lease>(leases, 'kube-system', 'test-manager');
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec?.leaseTransitions, 1);

    b.stop();
    await b.done;
    assert.equal((await cluster.client.get<Lease>(leases, 'kube-system', 'test-manager')).spec?.holderIdentity, '');
  });
});
