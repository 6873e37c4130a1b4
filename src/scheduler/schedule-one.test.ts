import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, settle } from '../client/fake-clock.test-support.ts';
import { keyOf } from '../client/store.ts';
import { SchedulerCache } from './cache.ts';
import { Framework, type Registry } from './framework/framework.ts';
import { CycleState, status, SUCCESS, type BindPlugin, type FilterPlugin, type PermitPlugin, type PostFilterPlugin, type ScorePlugin } from './framework/interface.ts';
import { SchedulingQueue } from './queue.ts';
import { newNodeInfo } from './framework/node-info.ts';
import { fitErrorMessage, numFeasibleNodesToFind, ScheduleOne, selectHost } from './schedule-one.ts';
import { Snapshot } from './snapshot.ts';

function node(name: string, labels: Record<string, string> = {}, cpu = '4'): Node {
  return { metadata: { name, labels }, status: { allocatable: { cpu, memory: '8Gi', pods: '110' } } };
}
function pod(name: string, o: { cpu?: string; selector?: Record<string, string>; priority?: number } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      schedulerName: 'default-scheduler',
      nodeSelector: o.selector,
      priority: o.priority,
      containers: [{ name: 'c', resources: { requests: { cpu: o.cpu ?? '100m' } } }],
    },
  };
}

/** Fakes that behave like the real plugins as far as these tests look. */
function registry(binds: string[], opts: { failBind?: boolean; preemption?: string; permitWaitMs?: number }): Registry {
  return {
    Fit: () =>
      ({
        name: 'Fit',
        eventsToRegister: () => [{ resource: 'Pod', action: 'Delete' }],
        filter: (_s, p, n) => (n.requested.milliCPU + (p.spec?.containers[0].resources?.requests?.cpu === '3' ? 3000 : 100) <= n.allocatable.milliCPU ? SUCCESS : status('Unschedulable', 'Insufficient cpu')),
      }) as FilterPlugin,
    Selector: () =>
      ({
        name: 'Selector',
        eventsToRegister: () => [{ resource: 'Node', action: 'UpdateNodeLabel' }],
        filter: (_s, p, n) =>
          Object.entries(p.spec?.nodeSelector ?? {}).every(([k, v]) => n.node.metadata?.labels?.[k] === v)
            ? SUCCESS
            : status('UnschedulableAndUnresolvable', "node(s) didn't match Pod's node affinity/selector"),
      }) as FilterPlugin,
    LeastPods: () => ({ name: 'LeastPods', score: (_s, _p, n) => 100 - n.pods.length }) as ScorePlugin,
    Binder: () =>
      ({
        name: 'Binder',
        bind: async (_s, p, nodeName) => {
          binds.push(`${p.metadata?.name}->${nodeName}`);
          return opts.failBind ? status('Error', 'pods "x" is forbidden') : SUCCESS;
        },
      }) as BindPlugin,
    Gate: () => ({ name: 'Gate', permit: () => ({ status: status('Wait'), timeoutMs: opts.permitWaitMs }) }) as PermitPlugin,
    Preempt: () => ({ name: 'Preempt', postFilter: async () => ({ status: status('Unschedulable', opts.preemption ?? '') }) }) as PostFilterPlugin,
  };
}

function harness(nodes: Node[], opts: { failBind?: boolean; preemption?: string; percentage?: number; permitWaitMs?: number } = {}) {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock });
  for (const n of nodes) cache.addNode(n);
  const snapshot = new Snapshot();
  const binds: string[] = [];
  const enabled = ['Fit', 'Selector', 'LeastPods', 'Binder', ...(opts.preemption ? ['Preempt'] : []), ...(opts.permitWaitMs ? ['Gate'] : [])].map((name) => ({ name }));
  let queue: SchedulingQueue | undefined;
  const fwk = new Framework({
    profile: { schedulerName: 'default-scheduler', percentageOfNodesToScore: opts.percentage, plugins: { multiPoint: { disabled: [{ name: '*' }], enabled } } },
    registry: registry(binds, opts),
    snapshot: () => snapshot,
    nominatedPodsForNode: (n) => queue!.nominator.podsForNode(n),
  });
  queue = new SchedulingQueue({ clock, pluginEvents: fwk.clusterEvents() });
  const pods = new Map<string, Pod>();
  const patches: { name: string; patch: any }[] = [];
  const events: string[] = [];
  const loop = new ScheduleOne({
    queue,
    cache,
    snapshot,
    profiles: new Map([['default-scheduler', fwk]]),
    client: {
      patchStatus: async (_r: unknown, _ns: unknown, name: string, patch: unknown) => {
        patches.push({ name, patch });
        return {};
      },
    } as never,
    recorder: { event: async (obj, type, reason, message) => void events.push(`${type} ${reason} ${obj.metadata?.name}: ${message}`) },
    currentPod: (p) => pods.get(keyOf(p)),
    clock,
    random: () => 0.99,
  });
  const q = queue;
  return {
    clock,
    cache,
    snapshot,
    queue: q,
    loop,
    fwk,
    binds,
    patches,
    events,
    add(p: Pod) {
      pods.set(keyOf(p), p);
      q.add(p);
    },
    async scheduleAll() {
      while (q.pendingPods().active > 0) await loop.scheduleOne();
      await loop.drain();
      await settle();
    },
  };
}

test('selectHost: the highest total wins; ties go to each tied node alike, a draw near 1 to the first', () => {
  const nodes = ['a', 'b', 'c', 'd', 'e'].map((n) => newNodeInfo(node(n)));
  const name = (n: { node: Node }) => n.node.metadata!.name;
  assert.equal(name(selectHost(nodes, [1, 9, 3, 2, 8], () => 0.5)), 'b');
  const totals = [5, 7, 1, 7, 7];
  assert.equal(name(selectHost(nodes, totals, () => 0.99)), 'b');
  assert.equal(name(selectHost(nodes, totals, () => 0)), 'e');
  const picked = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const n = name(selectHost(nodes, totals, () => (i % 3) / 3 + 0.01))!;
    picked.set(n, (picked.get(n) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(picked), { b: 100, d: 100, e: 100 });
});

test('a pod lands on the best feasible node, is assumed, bound and announced', async () => {
  const h = harness([node('n1', { disk: 'ssd' }), node('n2'), node('n3', { disk: 'ssd' })]);
  h.cache.addPod({ ...pod('existing'), spec: { ...pod('existing').spec!, nodeName: 'n1' } });
  h.add(pod('web', { selector: { disk: 'ssd' } }));
  await h.scheduleAll();
  assert.deepEqual(h.binds, ['web->n3']);
  assert.deepEqual(h.events, ['Normal Scheduled web: Successfully assigned default/web to n3']);
  assert.deepEqual(h.patches, [], 'success writes no status: the binding does');
  assert.equal(h.cache.isAssumedPod(pod('web')), true, 'assumed until the informer confirms');
  h.cache.updateSnapshot(h.snapshot);
  assert.equal(h.snapshot.get('n3')!.pods.length, 1);
});

test('the next pod sees the previous decision before the API confirms it', async () => {
  const h = harness([node('n1', {}, '3'), node('n2', {}, '3')]);
  h.add(pod('a', { cpu: '3' }));
  h.add(pod('b', { cpu: '3' }));
  await h.scheduleAll();
  assert.equal(new Set(h.binds.map((b) => b.split('->')[1])).size, 2, `both nodes used: ${h.binds}`);
});

test('a pod that fits nowhere gets PodScheduled=False, a FailedScheduling event, and waits', async () => {
  const h = harness([node('n1', { disk: 'ssd' }, '1'), node('n2'), node('n3')]);
  h.add(pod('big', { cpu: '3', selector: { disk: 'ssd' } }));
  await h.scheduleAll();
  const message = "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.";
  assert.deepEqual(h.events, [`Warning FailedScheduling big: ${message}`]);
  assert.equal(h.patches.length, 1);
  const condition = h.patches[0].patch.status.conditions[0];
  assert.deepEqual([condition.type, condition.status, condition.reason, condition.message], ['PodScheduled', 'False', 'Unschedulable', message]);
  assert.equal(h.queue.whereIs(pod('big')), 'unschedulable');
  h.queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
  assert.equal(h.queue.whereIs(pod('big')), 'unschedulable', 'no rejecting plugin registered node adds');
  h.queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' });
  assert.equal(h.queue.whereIs(pod('big')), 'backoff');
});

test("preemption's message follows the filter reasons when it ran and failed", async () => {
  const preemption = 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
  const h = harness([node('n1', {}, '1')], { preemption });
  h.add(pod('big', { cpu: '3' }));
  await h.scheduleAll();
  assert.equal(h.patches[0].patch.status.conditions[0].message, `0/1 nodes are available: 1 Insufficient cpu. ${preemption}.`);
});

test('a failed binding undoes the assumption and requeues with SchedulerError', async () => {
  const h = harness([node('n1')], { failBind: true });
  h.add(pod('web'));
  await h.scheduleAll();
  assert.deepEqual(h.binds, ['web->n1']);
  assert.equal(h.cache.isAssumedPod(pod('web')), false);
  assert.equal(h.cache.podCount(), 0);
  assert.equal(h.patches[0].patch.status.conditions[0].reason, 'SchedulerError');
  assert.equal(h.queue.whereIs(pod('web')), 'backoff');
});

test('no nodes: an error the pod retries after backoff', async () => {
  const h = harness([]);
  h.add(pod('web'));
  await h.scheduleAll();
  assert.equal(h.patches[0].patch.status.conditions[0].message, 'no nodes available to schedule pods');
  assert.equal(h.queue.whereIs(pod('web')), 'backoff');
});

test('the same failure twice writes the status once', async () => {
  const h = harness([node('n1', {}, '1')]);
  const p = pod('big', { cpu: '3' });
  h.add(p);
  await h.scheduleAll();
  const written = h.patches[0].patch.status.conditions[0];
  h.add({ ...p, status: { conditions: [written] } });
  h.queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' });
  h.queue.flushBackoffQCompleted();
  await h.scheduleAll();
  assert.equal(h.patches.length, 1);
});

test('Filter visits only enough nodes, starting where the previous cycle stopped', async () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${String(i).padStart(4, '0')}`));
  const h = harness(nodes);
  h.cache.updateSnapshot(h.snapshot);
  const first = h.loop.schedulePod(h.fwk, new CycleState(), pod('a'));
  assert.equal(first.kind, 'scheduled');
  if (first.kind === 'scheduled') assert.equal(first.feasibleNodes, numFeasibleNodesToFind(undefined, 1000));
  h.add(pod('b'));
  await h.scheduleAll();
  // 1000 nodes: 42% → 420 feasible nodes per cycle; the second cycle starts at node 420.
  const host = Number(h.binds[0].split('->n')[1]);
  assert.ok(host >= 420 && host < 840, `second pod bound within the second window, got ${host}`);
});

test('numFeasibleNodesToFind is adaptive as upstream', () => {
  const cases: [number | undefined, number, number][] = [
    [undefined, 50, 50],
    [undefined, 99, 99],
    [undefined, 100, 100],
    [undefined, 1000, 420],
    [undefined, 5000, 500],
    [undefined, 6000, 300],
    [undefined, 100_000, 5000],
    [10, 5000, 500],
    [1, 5000, 100],
    [100, 5000, 5000],
  ];
  for (const [pct, n, want] of cases) assert.equal(numFeasibleNodesToFind(pct, n), want, `${pct}% of ${n}`);
});

test('fitErrorMessage counts and sorts reasons as upstream', () => {
  const s = (reason: string) => ({ code: 'Unschedulable' as const, reasons: [reason] });
  const nodeToStatus = new Map([
    ['a', s("node(s) had untolerated taint {dedicated: x}")],
    ['b', s('Insufficient memory')],
    ['c', s('Insufficient memory')],
    ['d', { code: 'Unschedulable' as const, reasons: ['Insufficient cpu', 'Insufficient memory'] }],
  ]);
  assert.equal(
    fitErrorMessage(5, { nodeToStatus, unschedulablePlugins: new Set() }),
    "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: x}, 3 Insufficient memory.",
  );
  assert.equal(fitErrorMessage(2, { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: 'pod has unbound immediate PersistentVolumeClaims' }), '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.');
});

test('a pod nominated by preemption tries its nominated node first', async () => {
  const h = harness([node('n1'), node('n2'), node('n3')]);
  h.cache.addPod({ ...pod('busy'), spec: { ...pod('busy').spec!, nodeName: 'n2' } });
  // LeastPods would pick n1 or n3; the nomination wins while n2 fits.
  h.add({ ...pod('preemptor'), status: { nominatedNodeName: 'n2' } });
  await h.scheduleAll();
  assert.deepEqual(h.binds, ['preemptor->n2']);
});

test('a pod Permit holds is rejected when the wait times out, and its room freed', async () => {
  const h = harness([node('n1')], { permitWaitMs: 5000 });
  h.add(pod('held'));
  await h.loop.scheduleOne();
  assert.equal(h.cache.isAssumedPod(pod('held')), true, 'assumed while it waits');
  await h.clock.advance(5000);
  await h.loop.drain();
  assert.deepEqual(h.binds, []);
  assert.equal(h.cache.podCount(), 0);
  assert.equal(h.patches[0].patch.status.conditions[0].message, 'rejected due to timeout after waiting 5000ms at plugin Gate');
  assert.equal(h.queue.whereIs(pod('held')), 'backoff');
});
