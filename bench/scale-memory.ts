/**
 * The control plane's memory per object at the scale envelope, without waiting for it to
 * create the objects: `node --import tsx bench/scale-memory.ts [--nodes 5000] [--pods 0,10000,50000,150000] [--profile]`.
 *
 * The datastore is filled directly (SQLite) with what a cluster of hollow nodes holds once it
 * has settled: `--nodes` Nodes (as `skiff hollow-nodes` registers them, pod CIDR assigned) with
 * their Leases, ReplicationControllers of 10 pods, their pods bound round-robin and Running
 * (status as a hollow node reports it), 3,000 pods per namespace, and the Events recorded on
 * the way (each pod's Scheduled, and SuccessfulCreate for half of them). For each size (ascending,
 * adding to the same datastore) the whole control plane (`bin/skiff server --disable-agent`:
 * API server, state and watch caches, controller manager, scheduler) is started on it, a
 * Service for two RCs in three is created through the API (so the endpoint controllers write their Endpoints
 * and EndpointSlices, as in a real cluster), the watch cache's history is filled with pod
 * status writes, and once it is idle it prints:
 *   - peak and current RSS, and the live JS heap after a full GC (through the inspector);
 *   - bytes per pod and per node (the difference between sizes), and the projection to
 *     5,000 nodes / 150,000 pods / 10,000 Services beside the 4 GiB target;
 *   - with `--profile`, where the live heap was allocated (a sampling heap profile from the
 *     process start, functions by self and by inclusive size).
 * `--keep` keeps the datastore (and the server's log, server.log); `--reuse DIR` starts from one
 * kept before (its sizes already filled are not filled again), which saves the fill when
 * comparing two builds at one size.
 * Node leases are not renewed: the node monitor grace period is set to an hour so nodes stay
 * Ready during the run (a kept datastore's heartbeats are brought to the present first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_HOLLOW_NODE_SHAPE, newHollowNode, hollowNodeStatus, hollowPodCIDR } from '../src/hollow/hollow-node.ts';
import { findResource } from '../src/api/catalogue.ts';
import { RestClient } from '../src/client/index.ts';
import { SqliteStore } from '../src/storage/sqlite.ts';
import { freePort } from '../src/local-cluster/processes.ts';
import { adminClient, type AdminClient } from './admin-client.ts';
import { cpuSeconds, statusMiB, stopProcess } from './process-stats.ts';
import { Inspector, runWithWebSocket } from './inspector.ts';
import { skiffNodeFlags } from '../src/cli/node-flags.ts';


function flags() {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  return {
    nodes: Number(flag('nodes', '5000')),
    pods: flag('pods', '0,10000,50000,150000').split(',').map(Number).sort((a, b) => a - b),
    history: Number(flag('history', '10000')),
    profile: args.includes('--profile'),
    keep: args.includes('--keep') || args.includes('--reuse'),
    reuse: args.includes('--reuse') ? flag('reuse', '') : undefined,
    serverFlags: flag('server-node-flags', '').split(' ').filter(Boolean),
  };
}

const PODS = findResource('', 'v1', 'pods')!;
const PER_NAMESPACE = 3000;
/** Pods per RC: a divisor of every size asked for, so no RC is cut in two. */
const PER_RC = 10;
const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const T = '2026-11-26T15:33:07Z';
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const nsOf = (pod: number) => `bench-${Math.floor(pod / PER_NAMESPACE)}`;
const rcOf = (pod: number) => `w${Math.floor(pod / PER_RC)}`;
const nodeName = (i: number) => `hollow-${i}`;

function managed(manager: string, fields: object, subresource?: string) {
  return { apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: fields, manager, operation: 'Update', ...(subresource ? { subresource } : {}), time: T };
}

/** When the datastore was filled: the nodes' heartbeats (status and Lease), so none looks dead. */
const FILLED = new Date();

function nodeJson(i: number): string {
  const node = newHollowNode(nodeName(i), i, DEFAULT_HOLLOW_NODE_SHAPE, FILLED.getTime()) as Record<string, any>;
  const cidr = hollowPodCIDR(i);
  node.metadata = {
    ...node.metadata,
    uid: randomUUID(),
    creationTimestamp: T,
    annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    managedFields: [
      managed('skiff-hollow-nodes', { 'f:metadata': { 'f:labels': Object.fromEntries(['.', ...Object.keys(node.metadata.labels)].map((k) => [k === '.' ? '.' : `f:${k}`, {}])) } }),
      managed('skiff-controller-manager', { 'f:spec': { 'f:podCIDR': {}, 'f:podCIDRs': { '.': {}, [`v:"${cidr}"`]: {} } } }),
      managed('skiff-hollow-nodes', { 'f:status': { 'f:addresses': {}, 'f:allocatable': {}, 'f:capacity': {}, 'f:conditions': {}, 'f:daemonEndpoints': {}, 'f:nodeInfo': {} } }, 'status'),
    ],
  };
  node.spec = { podCIDR: cidr, podCIDRs: [cidr] };
  return JSON.stringify(node);
}

function leaseJson(i: number): string {
  return JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName(i), namespace: 'kube-node-lease', uid: randomUUID(), creationTimestamp: T },
    spec: { holderIdentity: nodeName(i), leaseDurationSeconds: 40, renewTime: FILLED.toISOString().replace(/\.(\d+)Z$/, '.$1000Z') },
  });
}

const rcUids = new Map<string, string>();
function rcUid(ns: string, rc: string): string {
  const key = `${ns}/${rc}`;
  let uid = rcUids.get(key);
  if (!uid) rcUids.set(key, (uid = randomUUID()));
  return uid;
}

const TEMPLATE_SPEC = {
  containers: [{ image: 'registry.k8s.io/pause:3.10', imagePullPolicy: 'IfNotPresent', name: 'app', resources: { requests: { cpu: '10m', memory: '10Mi' } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 1,
};

function rcJson(firstPod: number, pods: number): string {
  const replicas = Math.min(PER_RC, pods - firstPod);
  const ns = nsOf(firstPod);
  const name = rcOf(firstPod);
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: {
      name,
      namespace: ns,
      uid: rcUid(ns, name),
      generation: 1,
      creationTimestamp: T,
      labels: { app: name },
      managedFields: [managed('kubectl-create', { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': {} } })],
    },
    spec: { replicas, selector: { app: name }, template: { metadata: { labels: { app: name } }, spec: TEMPLATE_SPEC } },
    status: { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
  });
}

function podJson(i: number, nodes: number): string {
  const ns = nsOf(i);
  const rc = rcOf(i);
  const node = i % nodes;
  const name = `${rc}-${i.toString(36).padStart(5, '0')}`;
  const uid = randomUUID();
  const ip = `100.${64 + (node >> 8)}.${node & 255}.${2 + Math.floor(i / nodes)}`;
  const hostIP = `172.${16 + (node >> 16)}.${(node >> 8) & 255}.${node & 255}`;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      creationTimestamp: T,
      generateName: `${rc}-`,
      labels: { app: rc },
      name,
      namespace: ns,
      ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicationController', name: rc, uid: rcUid(ns, rc) }],
      uid,
      managedFields: [
        managed('skiff-controller-manager', { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} }, 'f:ownerReferences': { '.': {}, [`k:{"uid":"${rcUid(ns, rc)}"}`]: {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': { 'f:requests': { '.': {}, 'f:cpu': {}, 'f:memory': {} } }, 'f:terminationMessagePath': {}, 'f:terminationMessagePolicy': {} } }, 'f:dnsPolicy': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {} } }),
        managed('skiff-hollow-nodes', { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:hostIPs': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': {}, 'f:startTime': {} } }, 'status'),
      ],
    },
    spec: {
      ...TEMPLATE_SPEC,
      enableServiceLinks: true,
      nodeName: nodeName(node),
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      serviceAccount: 'default',
      serviceAccountName: 'default',
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    },
    status: {
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ lastProbeTime: null, lastTransitionTime: T, status: 'True', type })),
      containerStatuses: [{ containerID: `hollow://${uid}/app`, image: 'registry.k8s.io/pause:3.10', imageID: 'hollow://registry.k8s.io/pause:3.10', lastState: {}, name: 'app', ready: true, restartCount: 0, started: true, state: { running: { startedAt: T } } }],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      qosClass: 'Burstable',
      startTime: T,
    },
  });
}

/** Runs `writes` 500 at a time: the store commits those waiting together, as under a busy API server. */
async function runConcurrently(writes: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 500 }, async () => {
    while (next < writes.length) await writes[next++]();
  }));
}

/** An Event as the scheduler (Scheduled) or the replication controller (SuccessfulCreate) records it about pod `i`. */
function eventJson(i: number, reason: 'Scheduled' | 'SuccessfulCreate', nodes: number): { key: string; text: string } {
  const ns = nsOf(i);
  const rc = rcOf(i);
  const pod = `${rc}-${i.toString(36).padStart(5, '0')}`;
  const [component, manager, involved, message] =
    reason === 'Scheduled'
      ? ['default-scheduler', 'skiff-scheduler', { apiVersion: 'v1', kind: 'Pod', name: pod, namespace: ns, uid: randomUUID(), resourceVersion: '1' }, `Successfully assigned ${ns}/${pod} to ${nodeName(i % nodes)}`]
      : ['replication-controller', 'skiff-controller-manager', { apiVersion: 'v1', kind: 'ReplicationController', name: rc, namespace: ns, uid: rcUid(ns, rc), resourceVersion: '1' }, `Created pod: ${pod}`];
  const name = `${involved.name}.${(0x18ebf10d00000000n + BigInt(i * 2 + (reason === 'Scheduled' ? 0 : 1))).toString(16)}`;
  const fields = { 'f:count': {}, 'f:firstTimestamp': {}, 'f:involvedObject': {}, 'f:lastTimestamp': {}, 'f:message': {}, 'f:reason': {}, 'f:reportingComponent': {}, 'f:reportingInstance': {}, 'f:source': { 'f:component': {} }, 'f:type': {} };
  const text = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns, uid: randomUUID(), creationTimestamp: T, managedFields: [{ manager, operation: 'Update', apiVersion: 'v1', time: T, fieldsType: 'FieldsV1', fieldsV1: fields }] },
    involvedObject: involved,
    reason,
    message,
    type: 'Normal',
    source: { component },
    reportingComponent: component,
    reportingInstance: '',
    firstTimestamp: T,
    lastTimestamp: T,
    count: 1,
  });
  return { key: `/registry/events/${ns}/${name}`, text };
}

/** Adds to the datastore what a cluster of `pods` pods holds beyond what it has (`from` pods). */
async function fill(dbPath: string, nodes: number, withNodes: boolean, from: number, pods: number): Promise<{ podBytes: number; nodeBytes: number }> {
  const store = SqliteStore.open(dbPath);
  let podBytes = 0;
  let nodeBytes = 0;
  const writes: (() => Promise<unknown>)[] = [];
  try {
    if (withNodes) {
      writes.push(() => store.create('/registry/namespaces/kube-node-lease', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease', uid: randomUUID(), creationTimestamp: T }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })));
      for (let i = 0; i < nodes; i++) {
        const text = nodeJson(i);
        nodeBytes += text.length;
        writes.push(() => store.create(`/registry/minions/${nodeName(i)}`, text));
        writes.push(() => store.create(`/registry/leases/kube-node-lease/${nodeName(i)}`, leaseJson(i)));
      }
    }
    for (let n = Math.ceil(from / PER_NAMESPACE); n < Math.ceil(pods / PER_NAMESPACE); n++) {
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}`, uid: randomUUID(), creationTimestamp: T }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
      writes.push(() => store.create(`/registry/namespaces/bench-${n}`, JSON.stringify(ns)));
    }
    for (let i = from; i < pods; i++) {
      if (i % PER_RC === 0) writes.push(() => store.create(`/registry/controllers/${nsOf(i)}/${rcOf(i)}`, rcJson(i, pods)));
      writes.push(() => {
        const text = podJson(i, nodes);
        podBytes += text.length;
        return store.create(`/registry/pods/${nsOf(i)}/${JSON.parse(text).metadata.name}`, text);
      });
      // The Events a real cluster keeps of it: the scheduler's, and the replication controller's
      // for half the pods (its spam filter lets 25 through per RC of 50 replicas, bench/scale.ts).
      for (const reason of i % 2 === 0 ? (['Scheduled', 'SuccessfulCreate'] as const) : (['Scheduled'] as const)) {
        writes.push(() => {
          const { key, text } = eventJson(i, reason, nodes);
          return store.create(key, text);
        });
      }
    }
    await runConcurrently(writes);
  } finally {
    await store.close();
  }
  return { podBytes: podBytes / Math.max(1, pods - from), nodeBytes: nodeBytes / Math.max(1, nodes) };
}

/**
 * Makes the nodes of a kept datastore heartbeat as of now (Ready, their Leases renewed, no
 * not-ready or unreachable taint): nodes last heard of more than the grace period ago are
 * marked NotReady at start-up and their pods evicted and made again, which is not the settled
 * cluster this measures.
 */
async function refreshHeartbeats(dbPath: string): Promise<void> {
  const store = SqliteStore.open(dbPath);
  const now = new Date();
  const renewTime = now.toISOString().replace(/\.(\d+)Z$/, '.$1000Z');
  try {
    const writes: (() => Promise<unknown>)[] = [];
    for (const kv of (await store.list('/registry/minions/')).items) {
      const node = JSON.parse(kv.value);
      const i = Number(node.metadata.name.slice('hollow-'.length));
      node.status = hollowNodeStatus(node.metadata.name, i, DEFAULT_HOLLOW_NODE_SHAPE, now.getTime(), undefined);
      // Taints the node lifecycle controller put on nodes it found silent.
      const taints = (node.spec.taints ?? []).filter((t: { key: string }) => !/^node\.kubernetes\.io\/(not-ready|unreachable)$/.test(t.key));
      if (taints.length > 0) node.spec.taints = taints;
      else delete node.spec.taints;
      writes.push(() => store.update(kv.key, JSON.stringify(node), kv.modRevision));
    }
    for (const kv of (await store.list('/registry/leases/kube-node-lease/')).items) {
      const lease = JSON.parse(kv.value);
      lease.spec.renewTime = renewTime;
      writes.push(() => store.update(kv.key, JSON.stringify(lease), kv.modRevision));
    }
    await runConcurrently(writes);
  } finally {
    await store.close();
  }
}

interface Server {
  child: ChildProcess;
  inspector: Inspector;
  port: number;
  output: () => string;
  /** The sample of the highest RSS so far (see {@link trackPeak}). */
  peak: () => PeakSample | undefined;
  stopTracking: () => void;
}

/** Resident memory beside the JS heap (used and reserved), at one moment. */
interface PeakSample {
  seconds: number;
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
}

/**
 * Samples RSS and the JS heap every 2 s, keeping the sample of the highest RSS: at the peak,
 * how much of the resident memory is live heap, heap not yet collected, or outside the heap.
 */
function trackPeak(pid: number, inspector: Inspector): Pick<Server, 'peak' | 'stopTracking'> {
  const t0 = performance.now();
  let peak: PeakSample | undefined;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const rss = await statusMiB(pid, 'VmRSS');
      if (!peak || rss > peak.rss) {
        const usage = await inspector.post('Runtime.getHeapUsage');
        const [anon, file] = [await statusMiB(pid, 'RssAnon'), await statusMiB(pid, 'RssFile')];
        peak = { seconds: (performance.now() - t0) / 1000, rss, anon, file, heapUsed: usage.usedSize / 2 ** 20, heapTotal: usage.totalSize / 2 ** 20 };
      }
    } catch {
      // The process is gone: the last peak stands.
    } finally {
      busy = false;
    }
  }, 2000);
  timer.unref();
  return { peak: () => peak, stopTracking: () => clearInterval(timer) };
}

/** Starts the control plane on `dataDir` (paused until the heap profiler runs); resolves once both informer sets synced. */
async function startServer(dataDir: string, profile: boolean, nodeFlags: string[], logFile?: string): Promise<Server> {
  const port = await freePort('127.0.0.1');
  const inspectPort = await freePort('127.0.0.1');
  const child = spawn(
    process.execPath,
    [...skiffNodeFlags(), '--max-old-space-size=8192', `--inspect-brk=127.0.0.1:${inspectPort}`, ...nodeFlags, path.join(REPO_ROOT, 'bin', 'skiff'), 'server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--cluster-cidr', '100.64.0.0/10', '--node-monitor-grace-period', '3600'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let seen = '';
  const take = (c: Buffer) => {
    seen += c.toString();
    if (logFile) void appendFile(logFile, c);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const inspector = await Inspector.connect(inspectPort);
  if (profile) {
    await inspector.post('HeapProfiler.enable');
    await inspector.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024 });
  }
  await inspector.post('Runtime.runIfWaitingForDebugger');
  const tracking = trackPeak(child.pid!, inspector);
  const t0 = performance.now();
  while (!(seen.includes('controller-manager: caches synced') && seen.includes('scheduler: caches synced'))) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${seen.slice(-3000)}`);
    if (performance.now() - t0 > 900_000) throw new Error(`server not synced after 900 s:\n${seen.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`  control plane synced in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { child, inspector, port, output: () => seen, ...tracking };
}

/** Waits until the process uses under 10% of a core over 5 s (its controllers have caught up). */
async function settle(pid: number, maxSeconds = 600): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const c0 = await cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 5000));
    const used = (await cpuSeconds(pid)) - c0;
    if (used < 0.5 || performance.now() - t0 > maxSeconds * 1000) return;
  }
}

async function createServices(client: AdminClient, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < to) {
      const i = next++;
      // Two RCs in three have a Service: 10,000 Services at 150,000 pods.
      if (i % 3 === 2) continue;
      const pod = i * PER_RC;
      const res = await client.request('POST', `/api/v1/namespaces/${nsOf(pod)}/services`, {
        metadata: { name: rcOf(pod) },
        spec: { selector: { app: rcOf(pod) }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
      });
      if (res.status !== 201 && res.status !== 409) throw new Error(`create service: ${res.status} ${res.body.slice(0, 300)}`);
    }
  }));
}

/** Pod status writes, so the watch cache holds its full history of recent events (each with its previous value). */
async function fillHistory(client: RestClient, pods: number, nodes: number, count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < count) {
      const n = next++;
      const i = (n * 7919) % pods;
      const name = JSON.parse(podJson(i, nodes)).metadata.name;
      await client.patchStatus(PODS, nsOf(i), name, { status: { message: `write ${n}` } }, 'merge');
    }
  }));
}

interface Sample {
  pods: number;
  services: number;
  hwm: number;
  rss: number;
  heap: number;
  /** Of rss: anonymous memory, and file pages (the node binary and its libraries, files mapped). */
  anon: number;
  file: number;
  /** CPU seconds the control plane used since it started (garbage collection included). */
  cpu: number;
}

/** Resident memory (peak and now) and the live JS heap after a full GC. */
async function measure(server: Server, pods: number, services: number): Promise<Sample> {
  const pid = server.child.pid!;
  await server.inspector.post('HeapProfiler.collectGarbage');
  const usage = await server.inspector.post('Runtime.getHeapUsage');
  return {
    pods,
    services,
    hwm: await statusMiB(pid, 'VmHWM'),
    rss: await statusMiB(pid, 'VmRSS'),
    anon: await statusMiB(pid, 'RssAnon'),
    file: await statusMiB(pid, 'RssFile'),
    heap: usage.usedSize / 2 ** 20,
    cpu: await cpuSeconds(pid),
  };
}

/** Functions by the live heap they allocated: self and inclusive (src/ frames only), MiB. */
function topAllocators(profile: any, count: number): string[] {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const keyOf = (cf: any) => `${cf.functionName || '(anon)'} ${String(cf.url).split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
  const walk = (node: any, seen: Set<string>): number => {
    const key = keyOf(node.callFrame);
    const first = !seen.has(key);
    const inner = first ? new Set([...seen, key]) : seen;
    let size = node.selfSize;
    for (const c of node.children) size += walk(c, inner);
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    if (first) incl.set(key, (incl.get(key) ?? 0) + size);
    return size;
  };
  walk(profile.head, new Set());
  const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(7);
  return [
    'live heap by allocating function (self, MiB):',
    ...[...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, v]) => `  ${mib(v)}  ${k}`),
    'live heap by allocating function (inclusive, src/ only, MiB):',
    ...[...incl].filter(([k]) => /src\/|bench\//.test(k) || /\.ts:/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, count * 2).map(([k, v]) => `  ${mib(v)}  ${k}`),
  ];
}

async function main(): Promise<void> {
  const opts = flags();
  const root = opts.reuse ?? (await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-memory-')));
  /** What the datastore in `root` holds already (a kept one, with --reuse). */
  const marker = path.join(root, 'filled.json');
  const kept = opts.reuse ? (JSON.parse(await readFile(marker, 'utf8')) as { pods: number; services: number }) : { pods: -1, services: 0 };
  const dataDir = path.join(root, 'data');
  const samples: Sample[] = [];
  const out: string[] = [];
  let server: Server | undefined;
  const onSignal = () => void (server ? stopProcess(server.child) : Promise.resolve()).finally(() => (opts.keep ? Promise.resolve() : rm(root, { recursive: true, force: true })).finally(() => process.exit(130)));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log('empty control plane');
    const empty = await startServer(path.join(root, 'empty'), false, opts.serverFlags);
    server = empty;
    await settle(empty.child.pid!);
    const base = await measure(empty, 0, 0);
    out.push(`empty control plane: peak RSS ${base.hwm.toFixed(0)} MiB, RSS ${base.rss.toFixed(0)} MiB (anonymous ${base.anon.toFixed(0)}, file ${base.file.toFixed(0)}), live JS heap ${base.heap.toFixed(0)} MiB`);
    empty.stopTracking();
    empty.inspector.close();
    await stopProcess(empty.child);
    server = undefined;
    let filled = kept.pods;
    let services = kept.services;
    for (const pods of opts.pods) {
      if (pods > filled) {
        log(`filling the datastore to ${opts.nodes} nodes, ${pods} pods`);
        const t0 = performance.now();
        const bytes = await fill(path.join(dataDir, 'server', 'state.db'), opts.nodes, filled < 0, Math.max(0, filled), pods);
        if (filled < 0) out.push(`stored JSON: ${bytes.nodeBytes.toFixed(0)} bytes per node`);
        if (pods > Math.max(0, filled) && !out.some((l) => l.includes('per pod, as stored'))) out.push(`stored JSON: ${bytes.podBytes.toFixed(0)} bytes per pod, as stored`);
        log(`  filled in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
        filled = pods;
      } else log(`reusing the datastore of ${kept.pods} pods for ${pods}`);
      if (opts.reuse) await refreshHeartbeats(path.join(dataDir, 'server', 'state.db'));
      server = await startServer(dataDir, opts.profile, opts.serverFlags, opts.keep ? path.join(root, 'server.log') : undefined);
      const pid = server.child.pid!;
      const client = await adminClient(path.join(dataDir, 'kubeconfig.yaml'), 32);
      if (pods % PER_RC !== 0) throw new Error(`--pods sizes must be multiples of ${PER_RC}`);
      const wanted = pods / PER_RC;
      log(`  creating Services for RCs ${services}..${wanted}`);
      await createServices(client, services, wanted);
      services = Math.max(services, wanted);
      await writeFile(marker, JSON.stringify({ pods: filled, services }));
      if (pods > 0) log(`  ${opts.history} pod status writes (watch cache history)`);
      const rest = await RestClient.fromKubeconfig(path.join(dataDir, 'kubeconfig.yaml'), { userAgent: 'bench-memory' });
      if (pods > 0) await fillHistory(rest, pods, opts.nodes, opts.history);
      rest.close();
      client.close();
      log('  waiting for the controllers to settle');
      await settle(pid);
      const sample = await measure(server, pods, services);
      samples.push(sample);
      const line = `${opts.nodes} nodes, ${pods} pods, ${Math.ceil((services * 2) / 3)} Services: peak RSS ${sample.hwm.toFixed(0)} MiB, RSS ${sample.rss.toFixed(0)} MiB (anonymous ${sample.anon.toFixed(0)}, file ${sample.file.toFixed(0)}), live JS heap ${sample.heap.toFixed(0)} MiB, ${sample.cpu.toFixed(0)} CPU s`;
      log(`  ${line}`);
      out.push(line);
      const peak = server.peak();
      if (peak) out.push(`  at the highest RSS sampled (${peak.seconds.toFixed(0)} s after start): RSS ${peak.rss.toFixed(0)} MiB (anonymous ${peak.anon.toFixed(0)}, file ${peak.file.toFixed(0)}), JS heap ${peak.heapUsed.toFixed(0)} MiB used of ${peak.heapTotal.toFixed(0)} MiB reserved`);
      const lines = server.output().split('\n');
      const terms = lines.filter((l) => /became leader/.test(l)).length;
      const troubles = lines.filter((l) => /failed to renew|relisting|list failed/.test(l));
      if (terms > 2 || troubles.length > 0) out.push(`  ${terms} leadership terms started, ${troubles.length} lost leases/relists logged${troubles.length ? `, e.g. ${troubles.at(-1)!.slice(0, 240)}` : ''}`);
      if (opts.profile) {
        const { profile } = await server.inspector.post('HeapProfiler.getSamplingProfile');
        const top = [`-- ${pods} pods:`, ...topAllocators(profile, 25)];
        log(top.join('\n'));
        out.push(...top);
      }
      server.stopTracking();
      server.inspector.close();
      await stopProcess(server.child);
      server = undefined;
    }
    const keys = ['rss', 'hwm', 'heap', 'anon'] as const;
    const nodesOnly = samples.find((x) => x.pods === 0);
    if (nodesOnly) {
      const perNode = (key: (typeof keys)[number]) => (((nodesOnly[key] - base[key]) * 2 ** 20) / opts.nodes).toFixed(0);
      out.push(`per node (with its Lease), against the empty control plane: RSS ${perNode('rss')} bytes, peak RSS ${perNode('hwm')} bytes, live heap ${perNode('heap')} bytes`);
    }
    const withPods = samples.filter((x) => x.pods > 0);
    if (withPods.length >= 2 || (withPods.length === 1 && nodesOnly)) {
      const a = withPods.length >= 2 ? withPods[0] : nodesOnly!;
      const b = withPods[withPods.length - 1];
      const perPod = (key: (typeof keys)[number]) => ((b[key] - a[key]) * 2 ** 20) / (b.pods - a.pods);
      out.push(`per pod (with its share of RCs and Services), ${a.pods}→${b.pods}: RSS ${perPod('rss').toFixed(0)} bytes, peak RSS ${perPod('hwm').toFixed(0)} bytes, live heap ${perPod('heap').toFixed(0)} bytes, anonymous ${perPod('anon').toFixed(0)} bytes`);
      if (b.pods !== 150_000) {
        const project = (key: (typeof keys)[number]) => b[key] + (perPod(key) * (150_000 - b.pods)) / 2 ** 20;
        out.push(`projected at ${opts.nodes} nodes / 150,000 pods / 10,000 Services: peak RSS ${project('hwm').toFixed(0)} MiB, RSS ${project('rss').toFixed(0)} MiB, live heap ${project('heap').toFixed(0)} MiB   (target ≤ 4096 MiB RSS)`);
      } else out.push(`measured at ${opts.nodes} nodes / 150,000 pods / 10,000 Services: peak RSS ${b.hwm.toFixed(0)} MiB (target ≤ 4096 MiB)`);
    }
  } finally {
    if (server) await stopProcess(server.child).catch(() => {});
    if (!opts.keep) await rm(root, { recursive: true, force: true });
    else log(`data kept in ${root}`);
  }
  console.log(`\nmemory benchmark: ${os.cpus().length} cores (shared)`);
  for (const line of out) console.log(`  ${line}`);
}

await runWithWebSocket(main);
