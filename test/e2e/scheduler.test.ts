/**
 * The scheduler end to end, driven by the real kubectl against a control plane running its
 * controllers and scheduler, on simulated nodes: Node objects the test creates and whose
 * status (capacity, allocatable, Ready) it writes, with a stand-in kubelet that renews their
 * Leases and finishes the deletion of terminating pods. Pods land where nodeSelector, node
 * affinity, taints and requests allow; spread and anti-affinity spread; a higher priority
 * preempts; cordon, taint and drain (through pods/eviction and PodDisruptionBudgets) work.
 *
 * The tests run one after another and each removes its nodes at the end, so "0/N nodes" in a
 * FailedScheduling message counts only the nodes of the test that reads it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifests, startCluster, waitFor, type Cluster, type Kubectl, type TestScope } from './harness.ts';
import { startSimulatedKubelet, type SimulatedKubelet } from './simulated-kubelet.ts';

let cluster: Cluster;
let kubelet: SimulatedKubelet;
before(async () => {
  cluster = await startCluster({ controllers: true });
  try {
    kubelet = await startSimulatedKubelet(cluster.kubeconfigPath);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
});
after(async () => {
  await kubelet?.stop();
  await cluster?.stop();
});

const DEADLINE = { timeoutMs: 60_000, intervalMs: 200 };

async function ok(kubectl: Kubectl, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function json(kubectl: Kubectl, args: string[]): Promise<any> {
  return JSON.parse(await ok(kubectl, [...args, '-o', 'json']));
}

interface SimulatedNode {
  name: string;
  labels?: Record<string, string>;
  cpu?: string;
  memory?: string;
  pods?: string;
  taints?: { key: string; value?: string; effect: string }[];
}

/**
 * Creates simulated nodes with kubectl (a Node, then its status through the status
 * subresource) and deletes them, and the test's namespace first, when the test ends. Names
 * are prefixed with the namespace so no two tests share a node.
 */
async function addNodes(t: { after(fn: () => unknown): void }, scope: TestScope, nodes: SimulatedNode[]): Promise<string[]> {
  const { ns, kubectl } = scope;
  const names = nodes.map((n) => `${ns}-${n.name}`);
  t.after(async () => {
    await kubectl(['delete', 'namespace', ns, '--timeout=90s'], { timeoutMs: 100_000 });
    await kubectl(['delete', 'nodes', ...names, '--ignore-not-found']);
  });
  await ok(kubectl, ['apply', '-f', '-'], manifests(...nodes.map((n, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: names[i], labels: { 'kubernetes.io/hostname': names[i], 'kubernetes.io/os': 'linux', ...n.labels } },
    spec: n.taints ? { taints: n.taints } : {},
  }))));
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const [i, n] of nodes.entries()) {
    const capacity = { cpu: n.cpu ?? '2', memory: n.memory ?? '4Gi', pods: n.pods ?? '110', 'ephemeral-storage': '20Gi' };
    const status = {
      capacity,
      allocatable: capacity,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: now, lastTransitionTime: now }],
    };
    await ok(kubectl, ['patch', 'node', names[i], '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }
  return names;
}

function pod(name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}, cpu?: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { ...spec, containers: [{ name: 'c', image: 'busybox:1.36', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] },
  };
}

/** Pod name → the node it is bound to ('' while pending), for the pods the selector picks. */
async function placements(kubectl: Kubectl, ns: string, selector?: string): Promise<Map<string, string>> {
  const list = await json(kubectl, ['get', 'pods', '-n', ns, ...(selector ? ['-l', selector] : [])]);
  return new Map(list.items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => [p.metadata.name, p.spec.nodeName ?? '']));
}

async function nodeOf(kubectl: Kubectl, ns: string, podName: string): Promise<string> {
  return (await json(kubectl, ['get', 'pod', podName, '-n', ns])).spec.nodeName ?? '';
}

/** Waits until the pod is bound, and returns its node. */
function boundNode(kubectl: Kubectl, ns: string, podName: string): Promise<string> {
  return waitFor(async () => (await nodeOf(kubectl, ns, podName)) || undefined, { ...DEADLINE, message: () => `pod ${podName} never bound` });
}

/** Waits until `kubectl describe pod` shows a FailedScheduling event matching `pattern`, and returns the output. */
function failedScheduling(kubectl: Kubectl, ns: string, podName: string, pattern: RegExp): Promise<string> {
  let last = '';
  return waitFor(async () => {
    last = await ok(kubectl, ['describe', 'pod', podName, '-n', ns]);
    return (/FailedScheduling/.test(last) && pattern.test(last.replace(/\s+/g, ' ')) && last) || undefined;
  }, { ...DEADLINE, message: () => `no FailedScheduling event matching ${pattern} for ${podName}; describe said:\n${last}` });
}

describe('the scheduler, end to end with kubectl', () => {
  test('pods land where nodeSelector, node affinity, taints and requests allow, and nowhere else', async (t) => {
    const scope = await cluster.scope(t);
    const { ns, kubectl } = scope;
    const [a, b, c] = await addNodes(t, scope, [
      { name: 'a', labels: { zone: 'z1', disk: 'ssd' }, cpu: '2' },
      { name: 'b', labels: { zone: 'z2', disk: 'hdd' }, cpu: '2', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
      { name: 'c', labels: { zone: 'z3', disk: 'hdd' }, cpu: '1' },
    ]);
    const notZ1 = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }] } } };
    const gpu = [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }];
    await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(
      // Only a has disk=ssd.
      pod('by-selector', { nodeSelector: { disk: 'ssd' } }),
      // Not z1, and b's taint is not tolerated: only c.
      pod('by-affinity', { affinity: notZ1 }),
      // Tolerates b's taint and asks for z2: only b.
      pod('by-toleration', { nodeSelector: { zone: 'z2' }, tolerations: gpu }),
      // 1500m outside z1: c is too small, so b, whose taint it tolerates.
      pod('by-resources', { affinity: notZ1, tolerations: gpu }, {}, '1500m'),
      // 1500m outside z1 without the toleration: nowhere.
      pod('nowhere', { affinity: notZ1 }, {}, '1500m'),
    ));
    assert.equal(await boundNode(kubectl, ns, 'by-selector'), a);
    assert.equal(await boundNode(kubectl, ns, 'by-affinity'), c);
    assert.equal(await boundNode(kubectl, ns, 'by-toleration'), b);
    assert.equal(await boundNode(kubectl, ns, 'by-resources'), b);

    const described = await failedScheduling(kubectl, ns, 'nowhere', /0\/3 nodes are available: /);
    const message = described.replace(/\s+/g, ' ');
    assert.match(message, /0\/3 nodes are available: 1 Insufficient cpu, 1 node\(s\) didn't match Pod's node affinity\/selector, 1 node\(s\) had untolerated taint \{dedicated: gpu\}\./);
    const nowhere = await json(kubectl, ['get', 'pod', 'nowhere', '-n', ns]);
    assert.equal(nowhere.status.phase, 'Pending');
    assert.equal(nowhere.spec.nodeName, undefined);
    const scheduled = nowhere.status.conditions.find((cond: any) => cond.type === 'PodScheduled');
    assert.equal(scheduled.status, 'False');
    assert.equal(scheduled.reason, 'Unschedulable');
  });

  test('topology spread constraints spread a Deployment over zones; required anti-affinity puts replicas on distinct nodes', async (t) => {
    const scope = await cluster.scope(t);
    const { ns, kubectl } = scope;
    // Two nodes in z1: spreading by node alone would put half the pods there.
    const nodes = await addNodes(t, scope, [
      { name: 'z1-a', labels: { 'topology.kubernetes.io/zone': 'z1' } },
      { name: 'z1-b', labels: { 'topology.kubernetes.io/zone': 'z1' } },
      { name: 'z2-a', labels: { 'topology.kubernetes.io/zone': 'z2' } },
      { name: 'z3-a', labels: { 'topology.kubernetes.io/zone': 'z3' } },
    ]);
    const zoneOf = new Map(nodes.map((n) => [n, n.slice(ns.length + 1, ns.length + 3)]));
    const deployment = (name: string, replicas: number, spec: object) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { ...spec, containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      },
    });
    await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(deployment('spread', 6, {
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
    })));
    const perZone = await waitFor(async () => {
      const placed = [...(await placements(kubectl, ns, 'app=spread')).values()];
      if (placed.length !== 6 || placed.includes('')) return undefined;
      const counts: Record<string, number> = {};
      for (const node of placed) counts[zoneOf.get(node)!] = (counts[zoneOf.get(node)!] ?? 0) + 1;
      return counts;
    }, { ...DEADLINE, message: () => 'the six spread pods never all bound' });
    assert.deepEqual(perZone, { z1: 2, z2: 2, z3: 2 });
    await ok(kubectl, ['delete', 'deployment', 'spread', '-n', ns]);

    const antiAffinity = {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'apart' } } }] } },
    };
    await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(deployment('apart', 4, antiAffinity)));
    const apart = await waitFor(async () => {
      const placed = [...(await placements(kubectl, ns, 'app=apart')).values()];
      return (placed.length === 4 && !placed.includes('') && placed) || undefined;
    }, { ...DEADLINE, message: () => 'the four anti-affine pods never all bound' });
    assert.deepEqual([...apart].sort(), [...nodes].sort());

    // A fifth replica has no node left to itself.
    await ok(kubectl, ['scale', 'deployment', 'apart', '-n', ns, '--replicas=5']);
    const pending = await waitFor(async () => {
      const all = await placements(kubectl, ns, 'app=apart');
      return [...all].find(([, node]) => node === '')?.[0];
    }, { ...DEADLINE, message: () => 'the fifth replica never appeared' });
    await failedScheduling(kubectl, ns, pending, /0\/4 nodes are available: 4 node\(s\) didn't match pod anti-affinity rules\./);
  });

  test('a pod of a higher PriorityClass preempts a lower-priority pod on a full node', async (t) => {
    const scope = await cluster.scope(t);
    const { ns, kubectl } = scope;
    const [node] = await addNodes(t, scope, [{ name: 'full', cpu: '2' }]);
    // The test finishes the victim's termination itself, to see the nomination first.
    const release = kubelet.holdTerminations(node);
    try {
      const high = `${ns}-high`;
      t.after(() => kubectl(['delete', 'priorityclass', high, '--ignore-not-found']));
      await ok(kubectl, ['create', 'priorityclass', high, '--value=1000', '--description=e2e preemptor']);

      await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(pod('low', {}, {}, '1500m')));
      assert.equal(await boundNode(kubectl, ns, 'low'), node);
      await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(pod('important', { priorityClassName: high }, {}, '1500m')));

      const important = await waitFor(async () => {
        const [victim, preemptor] = await Promise.all([json(kubectl, ['get', 'pod', 'low', '-n', ns]), json(kubectl, ['get', 'pod', 'important', '-n', ns])]);
        return (victim.metadata.deletionTimestamp && preemptor.status.nominatedNodeName && preemptor) || undefined;
      }, { ...DEADLINE, message: () => 'the victim was never marked for deletion with the preemptor nominated' });
      assert.equal(important.spec.priority, 1000);
      assert.equal(important.status.nominatedNodeName, node);
      assert.equal(important.spec.nodeName, undefined, 'the preemptor waits for the victim to go');

      await ok(kubectl, ['delete', 'pod', 'low', '-n', ns, '--grace-period=0', '--force']);
      assert.equal(await boundNode(kubectl, ns, 'important'), node);
    } finally {
      release();
    }
  });

  test('cordon and uncordon, taint and untaint steer new pods', async (t) => {
    const scope = await cluster.scope(t);
    const { ns, kubectl } = scope;
    const [one, two] = await addNodes(t, scope, [{ name: 'one' }, { name: 'two' }]);

    await ok(kubectl, ['cordon', one]);
    await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(pod('free-1'), pod('free-2'), pod('pinned', { nodeSelector: { 'kubernetes.io/hostname': one } })));
    assert.equal(await boundNode(kubectl, ns, 'free-1'), two);
    assert.equal(await boundNode(kubectl, ns, 'free-2'), two);
    await failedScheduling(kubectl, ns, 'pinned', /0\/2 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 1 node\(s\) were unschedulable\./);
    assert.equal(await nodeOf(kubectl, ns, 'pinned'), '');
    await ok(kubectl, ['uncordon', one]);
    assert.equal(await boundNode(kubectl, ns, 'pinned'), one);

    await ok(kubectl, ['taint', 'nodes', one, 'e2e=yes:NoSchedule']);
    await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(pod('free-3'), pod('pinned-2', { nodeSelector: { 'kubernetes.io/hostname': one } })));
    assert.equal(await boundNode(kubectl, ns, 'free-3'), two);
    await failedScheduling(kubectl, ns, 'pinned-2', /1 node\(s\) had untolerated taint \{e2e: yes\}/);
    await ok(kubectl, ['taint', 'nodes', one, 'e2e-']);
    assert.equal(await boundNode(kubectl, ns, 'pinned-2'), one);
  });

  test('kubectl drain evicts through pods/eviction, honours a PodDisruptionBudget, and controllers bring the pods back elsewhere', async (t) => {
    const scope = await cluster.scope(t);
    const { ns, kubectl } = scope;
    const [drained, ...others] = await addNodes(t, scope, [{ name: 'drained' }, { name: 'spare-1' }, { name: 'spare-2' }]);
    // Everything starts on the node to drain.
    for (const n of others) await ok(kubectl, ['cordon', n]);
    const labels = (app: string) => ({ matchLabels: { app } });
    const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], volumes: [{ name: 'scratch', emptyDir: {} }] } });
    await ok(kubectl, ['apply', '-n', ns, '-f', '-'], manifests(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, selector: labels('web'), template: template('web') } },
      { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 2, selector: { app: 'legacy' }, template: template('legacy') } },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: labels('web') } },
    ));
    await waitFor(async () => {
      const placed = [...(await placements(kubectl, ns)).values()];
      return (placed.length === 4 && placed.every((n) => n === drained)) || undefined;
    }, { ...DEADLINE, message: () => 'the four pods never all bound to the node to drain' });
    for (const n of others) await ok(kubectl, ['uncordon', n]);

    // The disruption controller keeps the budget's status; the test plays the kubelet and
    // reports the Deployment's pods Ready (minAvailable 1: one disruption while two are healthy).
    const markWebReady = async () => {
      const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
      for (const name of (await placements(kubectl, ns, 'app=web')).keys()) {
        await ok(kubectl, ['patch', 'pod', name, '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
      }
    };
    const allowed = (n: number) => waitFor(
      async () => (await json(kubectl, ['get', 'pdb', 'web', '-n', ns])).status?.disruptionsAllowed === n || undefined,
      { ...DEADLINE, message: () => `the budget never allowed ${n} disruption(s)` },
    );
    const drain = (timeout: string) => kubectl(['drain', drained, '--ignore-daemonsets', '--delete-emptydir-data', `--timeout=${timeout}`], { timeoutMs: 120_000 });
    const webPlacement = async () => [...(await placements(kubectl, ns, 'app=web')).values()].sort();
    await allowed(0);

    const blocked = await drain('10s');
    assert.notEqual(blocked.code, 0, 'drain must not finish while the budget forbids evictions');
    assert.match(blocked.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.match(blocked.stderr, /global timeout reached: 10s/);
    assert.equal((await json(kubectl, ['get', 'node', drained])).spec.unschedulable, true, 'drain cordons the node first');
    // The ReplicationController's pods, which no budget covers, went and came back elsewhere.
    await waitFor(async () => {
      const placed = [...(await placements(kubectl, ns, 'app=legacy')).values()];
      return (placed.length === 2 && placed.every((n) => others.includes(n))) || undefined;
    }, { ...DEADLINE, message: () => 'the ReplicationController pods never came back on the other nodes' });
    assert.deepEqual(await webPlacement(), [drained, drained], 'the budget keeps the Deployment pods in place');

    // Both healthy: one disruption allowed, and one eviction spends it.
    await markWebReady();
    await allowed(1);
    const half = await drain('10s');
    assert.notEqual(half.code, 0, 'the second Deployment pod must wait for the budget');
    assert.match(half.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    const web = await waitFor(async () => {
      const placed = await webPlacement();
      return (placed.length === 2 && !placed.includes('') && placed) || undefined;
    }, { ...DEADLINE, message: () => 'the evicted Deployment pod never came back' });
    assert.equal(web.filter((n) => n === drained).length, 1, `one Deployment pod stays on the drained node: ${web}`);
    assert.equal((await json(kubectl, ['get', 'pdb', 'web', '-n', ns])).status.disruptionsAllowed, 0);

    // Its replacement is healthy: the budget allows one more.
    await markWebReady();
    await allowed(1);
    const done = await drain('60s');
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`node/${drained} drained`));
    await waitFor(async () => {
      const placed = [...(await placements(kubectl, ns)).values()];
      return (placed.length === 4 && placed.every((n) => others.includes(n))) || undefined;
    }, { ...DEADLINE, message: () => 'the pods never all came back on the other nodes' });
  });
});
