/**
 * Three hosts, each its own network namespace and `skiff agent` process: a ReplicationController
 * of 6 spreads over them; one host is cut off (its veth down) and, within the short grace and
 * toleration configured here, is marked NotReady and tainted, its pods evicted and recreated on
 * the other two until the RC is back to 6 Ready; when the host comes back its stale containers
 * are removed; a fourth host joins and receives new pods. Pods on different hosts reach each
 * other by pod IP (host-gateway routes over the hosts' shared link) and through a Service (by
 * ClusterIP and by cluster DNS name). A client pod on host-1 calls the Service all along: its
 * calls fail only in the window before the cut-off node is declared dead, and keep succeeding
 * while the host returns and a fourth host joins. A killed agent, restarted, adopts the
 * containers it left running.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../../../src/api/catalogue.ts';
import { waitFor } from '../harness.ts';
import { CLUSTER_IMAGE, startMultiNodeCluster, type MultiNodeCluster } from './cluster-harness.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const RCS = findResource('', 'v1', 'replicationcontrollers')!;
const SERVICES = findResource('', 'v1', 'services')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
/** GETs `$1` `$2` times (2 s each at most), one answer or FAIL per line. Constant text; the data are arguments. */
const GET_LOOP = 'i=0; while [ $i -lt "$2" ]; do timeout 2 wget -qO- "$1" || echo FAIL; i=$((i+1)); done';
const SELECTOR = { app: 'spread' };
/** A CGI script for the pods' httpd: answers the pod's name and the caller's address as the pod saw it. */
const PEER_CGI = ['#!/bin/sh', 'echo Content-Type: text/plain', 'echo', 'echo "$(hostname) $REMOTE_ADDR"'].join('\n');
/**
 * The traffic client's loop: GETs `$1` until the pod is deleted, one line per call,
 * `<unix seconds at the call's start> <answer or FAIL>`, read back with `kubectl logs`.
 */
const TRAFFIC_LOOP = 'while :; do t=$(date +%s); r=$(timeout 2 wget -qO- "$1" 2>/dev/null) || r=FAIL; echo "$t ${r:-FAIL}"; sleep 0.2; done';
/**
 * How long after the node is declared dead (its Ready condition's transition) calls may still
 * fail: the node lifecycle controller marks its pods NotReady, the EndpointSlice drops them and
 * host-1's proxy reprograms, and a call already in flight to a dead pod times out (2 s).
 */
const DECLARED_DEAD_SLACK_SECONDS = 10;

const rc: ReplicationController = {
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'spread', namespace: 'default' },
  spec: {
    replicas: 6,
    selector: SELECTOR,
    template: {
      metadata: { labels: SELECTOR },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: CLUSTER_IMAGE,
            // Each pod answers its own name over HTTP, so a caller can tell which pod answered, and
            // /cgi-bin/peer also says who called, so a test can tell that no NAT hid the caller.
            command: ['sh', '-c', 'hostname > /tmp/index.html && mkdir -p /tmp/cgi-bin && echo "$PEER_CGI" > /tmp/cgi-bin/peer && chmod +x /tmp/cgi-bin/peer && exec httpd -f -p 8080 -h /tmp'],
            env: [{ name: 'PEER_CGI', value: PEER_CGI }],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            resources: { requests: { cpu: '100m' } },
          },
        ],
      },
    },
  },
};

/** `/cgi-bin/peer`'s answer as [pod name, caller address]; httpd writes an IPv4 caller as `[::ffff:a.b.c.d]`. */
const peerLine = (line: string) => {
  const [name, caller = ''] = line.split(' ');
  return [name, caller.replace(/^\[(::ffff:)?/, '').replace(/\]$/, '')];
};

const isReady = (p: Pod) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('node death and a joining node', { timeout: 300_000 }, async () => {
  let c: MultiNodeCluster;

  /** The RC's pods, live ones only unless `all`. */
  async function pods(all = false): Promise<Pod[]> {
    const list = await c.admin.list<Pod>(PODS, 'default', { labelSelector: 'app=spread' });
    return all ? list.items : list.items.filter((p) => !p.metadata?.deletionTimestamp);
  }
  const countBy = (list: Pod[]) => list.reduce((m, p) => m.set(p.spec?.nodeName ?? '', (m.get(p.spec?.nodeName ?? '') ?? 0) + 1), new Map<string, number>());
  const failure = (what: string) => async () => `${what}; pods: ${JSON.stringify([...countBy(await pods(true))])}\n${await c.logs()}`;
  const wait = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number) => {
    let message = what;
    try {
      return await waitFor(probe, { timeoutMs, intervalMs: 500, message: () => message });
    } catch (err) {
      message = await failure(what)();
      throw new Error(message, { cause: err });
    }
  };

  c = await startMultiNodeCluster({ hosts: 3, nodeMonitorGracePeriodSeconds: 15, defaultUnreachableTolerationSeconds: 2, defaultNotReadyTolerationSeconds: 2 });

  it('spreads an RC of 6 over the three hosts', async () => {
    await c.admin.create(RCS, rc);
    await wait('6 Ready pods on 3 hosts', async () => {
      const ready = (await pods()).filter(isReady);
      return ready.length === 6 && countBy(ready).size === 3;
    }, 90_000);
  });

  it('lets pods on different hosts reach each other by pod IP, without NAT', async () => {
    const ready = (await pods()).filter(isReady);
    const from = ready.find((p) => p.spec?.nodeName === 'host-1')!;
    const to = ready.find((p) => p.spec?.nodeName === 'host-2')!;
    assert.ok(to.status?.podIP?.startsWith('10.42.'), `pod IP ${to.status?.podIP}`);
    const answer = await c.kubectl(['exec', from.metadata!.name!, '--', 'timeout', '5', 'wget', '-qO-', `http://${to.status!.podIP}:8080/`]);
    assert.equal(answer.stdout.trim(), to.metadata!.name, answer.stderr);
    const peer = await c.kubectl(['exec', from.metadata!.name!, '--', 'timeout', '5', 'wget', '-qO-', `http://${to.status!.podIP}:8080/cgi-bin/peer`]);
    assert.equal(peerLine(peer.stdout.trim()).join(' '), `${to.metadata!.name} ${from.status!.podIP}`, 'the pod on host-2 sees the caller by its pod IP');
  });

  const clientOnHost1 = async () => (await pods()).filter(isReady).find((p) => p.spec?.nodeName === 'host-1')!;
  /** `count` GETs of `url` from a pod on host-1 (`from`, by default the first): the answers, FAIL for a failure. */
  async function getFromHost1(url: string, count: number, from?: Pod): Promise<string[]> {
    from ??= await clientOnHost1();
    const out = await c.kubectl(['exec', from.metadata!.name!, '--', 'sh', '-c', GET_LOOP, 'get-loop', url, String(count)], { timeoutMs: 60_000 });
    return out.stdout.trim().split('\n');
  }

  it('reaches the pods through a Service, by ClusterIP and by DNS name, from another host', async () => {
    const svc = await c.admin.create<Service>(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'spread', namespace: 'default' },
      spec: { selector: SELECTOR, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const names = new Set((await pods()).map((p) => p.metadata!.name!));
    await wait('the Service answering from its pods', async () => {
      const answers = await getFromHost1(`http://${svc.spec!.clusterIP}/`, 6);
      return answers.every((a) => names.has(a)) && new Set(answers).size > 1;
    }, 60_000);
    const byName = await getFromHost1('http://spread.default.svc.cluster.local/', 3);
    assert.ok(byName.every((a) => names.has(a)), `answers: ${byName}`);
    // Through the Service too the pods see the caller's own pod IP (only a call that comes back
    // to the caller itself is masqueraded, as upstream's hairpin rule does).
    const client = await clientOnHost1();
    const peers = (await getFromHost1(`http://${svc.spec!.clusterIP}/cgi-bin/peer`, 6, client)).map(peerLine);
    const others = peers.filter(([name]) => name !== client.metadata!.name);
    assert.ok(others.length > 0 && others.every(([name, caller]) => names.has(name) && caller === client.status!.podIP), `answers: ${JSON.stringify(peers)}`);
  });

  /** The traffic client's calls so far: when each started (unix seconds) and what answered. */
  async function trafficCalls(): Promise<{ at: number; answer: string }[]> {
    const out = await c.kubectl(['logs', 'traffic'], { timeoutMs: 30_000 });
    return out.stdout.trim().split('\n').filter(Boolean).map((line) => {
      const [at, answer = 'FAIL'] = line.split(' ');
      return { at: Number(at), answer };
    });
  }
  /** Unix seconds at which the cut-off node was declared dead (its Ready condition left True). */
  let declaredDeadAt = 0;

  it('starts a client on host-1 that calls the Service all along', async () => {
    const svc = await c.admin.get<Service>(SERVICES, 'default', 'spread');
    await c.admin.create<Pod>(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'traffic', namespace: 'default', labels: { app: 'traffic' } },
      spec: {
        nodeName: 'host-1',
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'client', image: CLUSTER_IMAGE, command: ['sh', '-c', TRAFFIC_LOOP, 'traffic', `http://${svc.spec!.clusterIP}/`] }],
      },
    });
    await wait('the client answered by the Service', async () => (await trafficCalls().catch(() => [])).some((call) => call.answer !== 'FAIL'), 60_000);
  });

  it('moves the pods of a host cut off to the other two, back to 6 Ready', async () => {
    const victim = 'host-3';
    await c.cluster.setPartitioned(victim, true);
    const dead = await wait(`${victim} NotReady and tainted unreachable`, async () => {
      const node = await c.admin.get<Node>(NODES, undefined, victim);
      const ready = node.status?.conditions?.find((cond) => cond.type === 'Ready');
      const tainted = node.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
      return ready?.status === 'Unknown' && tainted && ready;
    }, 60_000);
    declaredDeadAt = Date.parse(dead.lastTransitionTime!) / 1000;
    await wait('6 Ready pods, none on the cut-off host', async () => {
      const ready = (await pods()).filter(isReady);
      const rcNow = await c.admin.get<ReplicationController>(RCS, 'default', 'spread');
      return ready.length === 6 && ready.every((p) => p.spec?.nodeName !== victim) && rcNow.status?.readyReplicas === 6;
    }, 90_000);
    const answers = await getFromHost1('http://spread.default.svc.cluster.local/', 10);
    assert.ok(answers.every((a) => a !== 'FAIL'), `once the node is declared dead the Service answers every time: ${answers}`);
  });

  it('kept the Service answering, with failures only before the node was declared dead', async () => {
    const settled = declaredDeadAt + DECLARED_DEAD_SLACK_SECONDS;
    const calls = await wait('the client calling after the node was declared dead', async () => {
      const all = await trafficCalls();
      return all.filter((call) => call.at > settled).length >= 5 && all;
    }, 60_000);
    const late = calls.filter((call) => call.answer === 'FAIL' && call.at > settled);
    assert.deepEqual(late, [], `calls failed after the node was declared dead at ${declaredDeadAt}`);
    const failures = calls.filter((call) => call.answer === 'FAIL');
    console.log(`# traffic: ${calls.length} calls, ${failures.length} failed, the last ${failures.length ? failures.at(-1)!.at - declaredDeadAt : '-'} s after the node was declared dead`);
  });

  it('removes the stale containers of the host once it is back', async () => {
    const victim = 'host-3';
    assert.ok((await c.containersOn(victim)).length > 0, 'the cut-off host still runs its old containers');
    await c.cluster.setPartitioned(victim, false);
    await wait(`no containers left on ${victim}, and no pods bound to it`, async () => {
      const onVictim = (await pods(true)).filter((p) => p.spec?.nodeName === victim);
      return onVictim.length === 0 && (await c.containersOn(victim)).length === 0;
    }, 60_000);
    await wait(`${victim} Ready again`, async () => {
      const node = await c.admin.get<Node>(NODES, undefined, victim);
      return node.status?.conditions?.find((cond) => cond.type === 'Ready')?.status === 'True';
    }, 30_000);
  });

  it('gives new pods to a fourth host that joins while traffic runs, and the Service answers from them', async () => {
    const since = Math.floor(Date.now() / 1000);
    await c.cluster.addHosts(1);
    await c.admin.patch(RCS, 'default', 'spread', { spec: { replicas: 9 } }, 'merge');
    const onHost4 = await wait('9 Ready pods, some on host-4', async () => {
      const ready = (await pods()).filter(isReady);
      const names = ready.filter((p) => p.spec?.nodeName === 'host-4').map((p) => p.metadata!.name!);
      return ready.length === 9 && names.length > 0 && names;
    }, 90_000);
    await wait('the client answered by a pod on host-4', async () => (await trafficCalls()).some((call) => onHost4.includes(call.answer)), 60_000);
    const calls = await trafficCalls();
    assert.ok(calls.some((call) => call.at >= since), 'the client kept calling while host-4 joined');
    const failed = calls.filter((call) => call.at > declaredDeadAt + DECLARED_DEAD_SLACK_SECONDS && call.answer === 'FAIL');
    assert.deepEqual(failed, [], 'no call failed while host-3 returned and host-4 joined');
  });

  it('restarts a killed agent, which adopts the containers it left running', async () => {
    const before = (await c.containersOn('host-4')).sort();
    assert.ok(before.length > 0);
    // This is a short outage, not a node death (that is the cut-off host's part above): the node
    // is declared dead 15 s (this cluster's grace) after its last heartbeat and its Lease is renewed
    // every 10 s, so the agent is killed just after a renewal, leaving its restart the whole grace.
    const renewedAt = async () => (await c.admin.get<Lease>(LEASES, 'kube-node-lease', 'host-4')).spec?.renewTime;
    const lastRenewal = await renewedAt();
    await waitFor(async () => (await renewedAt()) !== lastRenewal, { timeoutMs: 30_000, intervalMs: 50, message: () => "no renewal of host-4's Lease" });
    await c.cluster.stopHost('host-4');
    await c.cluster.startHost('host-4');
    await wait('9 Ready pods after the restart', async () => (await pods()).filter(isReady).length === 9, 60_000);
    assert.deepEqual((await c.containersOn('host-4')).sort(), before);
    const restarts = (await pods()).filter((p) => p.spec?.nodeName === 'host-4').flatMap((p) => p.status?.containerStatuses ?? []).map((s) => s.restartCount);
    assert.ok(restarts.every((n) => n === 0), `restart counts ${restarts}`);
  });

  it('removes a node: kubectl drain moves its pods, then its agent stops and kubectl delete node', async () => {
    const drained = await c.kubectl(['drain', 'host-4', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s'], { timeoutMs: 120_000 });
    assert.match(drained.stdout, /node\/host-4 drained/, drained.stderr);
    await wait('9 Ready pods, none on host-4, and no containers left there', async () => {
      const ready = (await pods()).filter(isReady);
      return ready.length === 9 && ready.every((p) => p.spec?.nodeName !== 'host-4') && (await c.containersOn('host-4')).length === 0;
    }, 90_000);
    await c.cluster.stopHost('host-4');
    const deleted = await c.kubectl(['delete', 'node', 'host-4']);
    assert.match(deleted.stdout, /node "host-4" deleted/, deleted.stderr);
    const left = await c.admin.list<Node>(NODES, undefined);
    assert.deepEqual(left.items.map((n) => n.metadata!.name).sort(), ['host-1', 'host-2', 'host-3']);
  });
});
