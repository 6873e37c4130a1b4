/**
 * The scale benchmark (issue #9): `node --import tsx bench/scale.ts` runs two stages on one
 * cluster — 1,000 hollow nodes and 30,000 pods, then grown to 5,000 nodes and 150,000 pods
 * with 10,000 Services. `--nodes N --pods N --services N` runs one stage of that size instead
 * (start small: `--nodes 100 --pods 3000 --services 100`). `--timeout-minutes M` bounds a stage.
 *
 * Three processes, so each figure belongs to one of them: the control plane (`bin/skiff server
 * --disable-agent`: API server, controllers, scheduler, SQLite), the hollow nodes (`bin/skiff
 * hollow-nodes`), and this one, which creates the workload and measures. Pods are made by
 * ReplicationControllers and Deployments (half each, 50 replicas per workload, spread over
 * namespaces of at most 3,000 pods); each Service selects one workload.
 *
 * A stage has two phases, as clusterloader2's density test does. Saturation: the workloads above, all
 * created as fast as they answer, so the saturation pods' start-up is mostly queueing behind the
 * creation rate. Latency: with the cluster full and the control plane done with the saturation's
 * backlog (see SETTLE_CORES), `--latency-pods N` pods (default 500, CL2's
 * MIN_LATENCY_PODS; 0 skips the phase) are created at a steady 5 per second (CL2's Uniform5qps),
 * which gives the start-up figure upstream's SLO is stated for. CL2 makes each latency pod a workload
 * of one replica; here each is a bare Pod of the saturation template with a label of its own
 * (`app: latency-<stage>-<n>`, which no Service or workload selects), since what is timed starts at
 * the pod's creation either way. The probe stops with the saturation phase, so the latency pods meet
 * a full but otherwise quiet cluster as in CL2, and the API latencies, CPU, RSS and store figures
 * stay those of the saturation phase. Latency pods are deleted before a next stage, so that stage
 * holds the number of pods it names.
 *
 * Then a scheduler backlog (`--backlog-pods N`, default 5,000; 0 skips): the bench takes the
 * kube-scheduler Lease, so the control plane's scheduler stops leading, creates one Deployment of N
 * replicas, waits until the ReplicaSet controller has made them all (Pending), and gives the Lease
 * back. The rate the scheduler then binds them at is its own at the stage's size, where the
 * saturation's windows show the rate the controllers create pods at. Backlog pods stay in the last
 * stage (and are removed before a next one), after its RSS and store figures are taken.
 *
 * Printed per stage, each beside the upstream figure:
 *   - pods/s to Running: pods of the stage ÷ (first workload create → last pod Running on the watch);
 *   - scheduling throughput p50/p90/p99/max, as CL2's SchedulingThroughput reports it: the pods bound
 *     (spec.nodeName first seen on the watch) in each 1-second window from the first workload create
 *     to the last bind of the saturation phase; target ≥ 1,000 pods/s scheduled;
 *   - saturation pods' start-up latency p50/p99 (pod first seen on the watch → seen Running);
 *   - latency pods' start-up latency p50/p90/p99 (first seen on the watch → seen Running and Ready),
 *     SLO p99 ≤ 5 s, and their create → bound p50/p99 (first seen → spec.nodeName first seen);
 *   - the backlog: seconds from giving the Lease back to the first bind (the scheduler's next try
 *     for the Lease; as a standby it has listed every node and pod already), then pods bound per
 *     second from the first bind to the last, and per 1-s window, beside the ≥ 1,000 pods/s
 *     target (CL2's scheduler-throughput step: 100 pods/s);
 *   - API latency p50/p99 per verb during the stage, from this process's calls: its creates and a
 *     probe that every 250 ms does one of GET, LIST (namespace), LIST (cluster, paginated),
 *     LIST (nodes, paginated), POST, PUT, PATCH, DELETE; SLO p99 ≤ 1 s (single object), ≤ 5 s (namespace list),
 *     ≤ 30 s (cluster list);
 *   - the control plane's peak RSS (VmHWM), target ≤ 4 GiB at 5,000 nodes / 150,000 pods;
 *   - the store size on disk (state.db with its WAL), against etcd's 8 GiB recommended maximum.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../src/api/catalogue.ts';
import { RestClient, type ResourceRef, type Watch } from '../src/client/index.ts';
import { freePort } from '../src/local-cluster/processes.ts';
import { quantile, runLoad } from './load.ts';
import { cpuSeconds, peakRssMiB, stopProcess } from './process-stats.ts';
import { holdSchedulerLease, releaseSchedulerLease } from './scheduler-lease.ts';
import { spawnSkiff, waitForLine } from './skiff-process.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const VERBOSE = args.includes('--verbose');
/** Where the control plane and the hollow nodes write their CPU profiles (node --cpu-prof), a folder each; none when unset. */
const CPU_PROF_DIR = flag('cpu-prof');
const TIMEOUT_MS = Number(flag('timeout-minutes') ?? '60') * 60_000;
const REPLICAS = Number(flag('replicas') ?? '50');
const PODS_PER_NAMESPACE = 3000;
/** Latency pods per stage: CL2 uses max(500, nodes); 500 keeps the phase under two minutes at any size. */
const LATENCY_PODS = Number(flag('latency-pods') ?? '500');
/** CL2's Uniform5qps tuning set: latency pods are created at 5 per second, one every 200 ms. */
const LATENCY_PODS_PER_SECOND = 5;
/**
 * Before the latency phase, the control plane works off what the saturation left queued: its
 * informers (the scheduler's among them) run tens of seconds behind a control plane that was
 * saturated, so latency pods created at once waited that long to be scheduled (p99 35 s at 5,000
 * nodes). CL2 paces its saturation (20 pods/s by default) and never builds such a backlog; so the
 * latency phase starts once the control plane's CPU over SETTLE_WINDOW_MS is under SETTLE_CORES,
 * and the wait is printed.
 */
const SETTLE_WINDOW_MS = 5000;
const SETTLE_CORES = 0.5;
const SETTLE_MAX_MS = 5 * 60_000;
/** How long the latency phase waits, after its last create, for latency pods to run: far past the 5 s SLO. */
const LATENCY_WAIT_MS = 5 * 60_000;
const LATENCY_NAMESPACE = 'bench-latency';
/**
 * Backlog pods per stage (0 skips the phase): one Deployment of this many replicas made while the
 * scheduler is kept off its Lease, so that they wait Pending; given the Lease back, the scheduler
 * binds them as fast as it can, which is its own rate at the stage's size rather than the rate
 * the control plane creates pods at (see runBacklogPhase).
 */
const BACKLOG_PODS = Number(flag('backlog-pods') ?? '5000');
const BACKLOG_NAMESPACE = 'bench-backlog';

interface Stage {
  nodes: number;
  pods: number;
  services: number;
}
const STAGES: Stage[] = flag('nodes')
  ? [{ nodes: Number(flag('nodes')), pods: Number(flag('pods') ?? '30000'), services: Number(flag('services') ?? '1000') }]
  : [
      { nodes: 1000, pods: 30_000, services: 2000 },
      { nodes: 5000, pods: 150_000, services: 10_000 },
    ];

const R = {
  pods: findResource('', 'v1', 'pods')!,
  nodes: findResource('', 'v1', 'nodes')!,
  namespaces: findResource('', 'v1', 'namespaces')!,
  services: findResource('', 'v1', 'services')!,
  configmaps: findResource('', 'v1', 'configmaps')!,
  rcs: findResource('', 'v1', 'replicationcontrollers')!,
  deployments: findResource('apps', 'v1', 'deployments')!,
};

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** Latencies by verb ("POST", "LIST namespace", ...), in ms. */
class Latencies {
  private readonly byVerb = new Map<string, number[]>();

  async time<T>(verb: string, call: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      let list = this.byVerb.get(verb);
      if (!list) this.byVerb.set(verb, (list = []));
      list.push(performance.now() - t0);
    }
  }

  rows(): { verb: string; count: number; p50: number; p99: number }[] {
    return [...this.byVerb]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([verb, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return { verb, count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
      });
  }
}

/** The SLO of a verb's p99, as upstream states it. */
function sloMs(verb: string): number {
  if (verb === 'LIST cluster' || verb === 'LIST nodes') return 30_000;
  if (verb === 'LIST namespace') return 5_000;
  return 1_000;
}

async function fileMiB(...files: string[]): Promise<number> {
  let bytes = 0;
  for (const f of files) bytes += (await stat(f).catch(() => ({ size: 0 }))).size;
  return bytes / 1024 / 1024;
}

/** node's flags for a CPU profile of one of the bench's processes, in its own folder under --cpu-prof. */
function cpuProfFlags(name: string): string[] {
  return CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${path.join(CPU_PROF_DIR, name)}`] : [];
}

function skiff(argv: string[], logFile: string, nodeFlags: string[] = []): ChildProcess {
  return spawnSkiff(argv, logFile, { verbose: VERBOSE, nodeFlags });
}

function runningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '10Mi' } } }],
  },
});

/** Every pod's first sighting, bound sighting (spec.nodeName set) and Running sighting, from one watch of all pods. */
class PodTracker {
  readonly firstSeen = new Map<string, number>();
  readonly boundAt = new Map<string, number>();
  readonly runningAt = new Map<string, number>();
  private watch?: Watch;

  start(client: RestClient, resourceVersion: string): void {
    this.watch = client.watch<Pod>(
      R.pods,
      undefined,
      { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 3 * 3600 },
      (event) => {
        if (event.type === 'BOOKMARK' || event.type === 'DELETED') return;
        const key = `${event.object.metadata?.namespace}/${event.object.metadata?.name}`;
        const now = performance.now();
        if (!this.firstSeen.has(key)) this.firstSeen.set(key, now);
        if (!this.boundAt.has(key) && event.object.spec?.nodeName) this.boundAt.set(key, now);
        if (!this.runningAt.has(key) && runningAndReady(event.object)) this.runningAt.set(key, now);
      },
      (err) => {
        log(`pod watch ended${err ? `: ${err.message}` : ''}; reopening from the start`);
        if (this.watch) this.start(client, '0');
      },
    );
  }

  stop(): void {
    const w = this.watch;
    this.watch = undefined;
    w?.stop();
  }
}

/** One request of each kind the probe cycles through; it keeps a ConfigMap of its own to write. */
function startProbe(client: RestClient, lat: Latencies, ns: string): () => Promise<void> {
  let stopped = false;
  let n = 0;
  const loop = async () => {
    while (!stopped) {
      const name = `probe-${n++}`;
      const cm = { metadata: { name, namespace: ns }, data: { n: String(n) } };
      try {
        const created = await lat.time('POST', () => client.create(R.configmaps, cm));
        await lat.time('PUT', () => client.update(R.configmaps, { ...created, data: { n: 'updated' } }));
        await lat.time('PATCH', () => client.patch(R.configmaps, ns, name, { data: { patched: 'yes' } }, 'merge'));
        await lat.time('GET', () => client.get(R.configmaps, ns, name));
        await lat.time('LIST namespace', () => client.list(R.pods, ns, { limit: 500 }));
        await lat.time('LIST cluster', () => client.list(R.pods, undefined, { limit: 500 }));
        // A page, as `kubectl get nodes` asks: the whole list of 5,000 nodes is 14 MB, and one
        // every cycle made the probe itself a fifth of the control plane's load.
        await lat.time('LIST nodes', () => client.list(R.nodes, undefined, { limit: 500 }));
        await lat.time('DELETE', () => client.delete(R.configmaps, ns, name));
      } catch (err) {
        log(`probe: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const done = loop();
  return async () => {
    stopped = true;
    await done;
  };
}

/**
 * Pods bound in each 1-second window from `from` to the last of `boundTimes`, as CL2's
 * SchedulingThroughput samples the scheduled count each second; the leading windows before the
 * controllers make the first pods count as 0 there too. The last window may be partial.
 */
function throughputWindows(boundTimes: number[], from: number): number[] {
  if (boundTimes.length === 0) return [];
  const last = boundTimes.reduce((latest, t) => Math.max(latest, t), from);
  const windows = new Array<number>(Math.floor((last - from) / 1000) + 1).fill(0);
  for (const t of boundTimes) windows[Math.floor((t - from) / 1000)]++;
  return windows;
}

interface LatencyPhase {
  /** Latency pods asked for, created, and failed to create (logged, never retried). */
  requested: number;
  created: number;
  failed: number;
  /** Seconds from the first create to the start of the last: (n - 1) ÷ this is the rate kept. */
  createSpan: number;
  /** Of the created ones, those seen Running and Ready, and their latencies in ms, ascending. */
  running: number;
  startup: number[];
  bound: number[];
  /** The latency pods' own POSTs. */
  createLatencies: ReturnType<Latencies['rows']>;
}

/** Waits until the control plane (process `pid`) uses under SETTLE_CORES over SETTLE_WINDOW_MS, at most SETTLE_MAX_MS. */
async function settle(pid: number): Promise<{ seconds: number; settled: boolean }> {
  const t0 = performance.now();
  const samples: { at: number; cpu: number }[] = [];
  while (performance.now() - t0 < SETTLE_MAX_MS) {
    samples.push({ at: performance.now(), cpu: await cpuSeconds(pid) });
    while (samples.length > 1 && samples.at(-1)!.at - samples[1].at >= SETTLE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const last = samples.at(-1)!;
    if (last.at - first.at >= SETTLE_WINDOW_MS && (last.cpu - first.cpu) / ((last.at - first.at) / 1000) < SETTLE_CORES) {
      return { seconds: (performance.now() - t0) / 1000, settled: true };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { seconds: (performance.now() - t0) / 1000, settled: false };
}

/**
 * Creates `count` bare pods in `namespace` at LATENCY_PODS_PER_SECOND, each on its own tick of a
 * fixed schedule rather than after the previous create answers, so a slow create does not lower the
 * rate (CL2's Uniform5qps); then waits for them to run and reads their times off the tracker.
 */
async function runLatencyPhase(client: RestClient, tracker: PodTracker, namespace: string, prefix: string, count: number): Promise<{ phase: LatencyPhase; names: string[] }> {
  const lat = new Latencies();
  const created: string[] = [];
  let failed = 0;
  const calls: Promise<void>[] = [];
  const t0 = performance.now();
  let lastStart = t0;
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / LATENCY_PODS_PER_SECOND - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    lastStart = performance.now();
    const name = `${prefix}${i}`;
    const pod = { ...template(name), metadata: { name, namespace, labels: { app: name } } };
    calls.push(
      lat.time('POST', () => client.create(R.pods, pod)).then(
        () => void created.push(name),
        (err: Error) => {
          failed++;
          log(`  latency pod ${name} not created: ${err.message}`);
        },
      ),
    );
  }
  await Promise.all(calls);
  const keys = created.map((name) => `${namespace}/${name}`);
  const deadline = performance.now() + LATENCY_WAIT_MS;
  while (keys.some((k) => !tracker.runningAt.has(k)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const since = (at: Map<string, number>) =>
    keys
      .filter((k) => at.has(k))
      .map((k) => at.get(k)! - tracker.firstSeen.get(k)!)
      .sort((a, b) => a - b);
  const startup = since(tracker.runningAt);
  return {
    phase: {
      requested: count,
      created: created.length,
      failed,
      createSpan: (lastStart - t0) / 1000,
      running: startup.length,
      startup,
      bound: since(tracker.boundAt),
      createLatencies: lat.rows(),
    },
    names: created,
  };
}

interface BacklogPhase {
  requested: number;
  /** Backlog pods seen before the Lease was given back, and of those how many were already bound (should be 0). */
  pending: number;
  boundBeforeRelease: number;
  /** Of the backlog pods, those bound and those Running and Ready by the end of the phase. */
  bound: number;
  running: number;
  /** ms from giving the Lease back to the first bind (the scheduler's next try, then a new term that lists every node and pod). */
  toFirstBind: number;
  /** ms from the first bind to the last. */
  bindSpan: number;
  /** ms from giving the Lease back to the last backlog pod Running and Ready. */
  toAllRunning: number;
  /** Pods bound per 1-second window from the first bind to the last, ascending. */
  throughput: number[];
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The scheduler's own rate at the stage's size, as CL2's scheduler-throughput step means to show it
 * (there a Deployment of many replicas made at once; threshold 100 pods/s): here the Deployment's
 * pods are all made while the scheduler is kept off its Lease (bench/scheduler-lease.ts), so the
 * rate measured is the scheduler's, not the controllers' creation rate, which bounds the saturation
 * phase's windows. Hollow nodes run the pods as they are bound, as in any cluster.
 */
async function runBacklogPhase(client: RestClient, tracker: PodTracker, server: ChildProcess, name: string, count: number): Promise<BacklogPhase> {
  await holdSchedulerLease(client, server, 'bench-scale');
  log(`  scheduler off its Lease; creating Deployment ${BACKLOG_NAMESPACE}/${name} of ${count} replicas`);
  await client.create(R.deployments, { metadata: { name, namespace: BACKLOG_NAMESPACE }, spec: { replicas: count, selector: { matchLabels: { app: name } }, template: template(name) } });
  const prefix = `${BACKLOG_NAMESPACE}/${name}-`;
  const keys = () => [...tracker.firstSeen.keys()].filter((k) => k.startsWith(prefix));
  const deadline = performance.now() + TIMEOUT_MS;
  let made = keys();
  while (made.length < count && performance.now() < deadline) {
    await sleepMs(500);
    made = keys();
  }
  const boundBeforeRelease = made.filter((k) => tracker.boundAt.has(k)).length;
  log(`  ${made.length} backlog pods pending (${boundBeforeRelease} bound); giving the Lease back`);
  const released = performance.now();
  await releaseSchedulerLease(client);
  while (made.some((k) => !tracker.runningAt.has(k)) && performance.now() < deadline) await sleepMs(200);
  const bindTimes = made.filter((k) => tracker.boundAt.has(k)).map((k) => tracker.boundAt.get(k)!);
  const firstBind = bindTimes.reduce((a, t) => Math.min(a, t), Infinity);
  const lastBind = bindTimes.reduce((a, t) => Math.max(a, t), -Infinity);
  const lastRunning = made.filter((k) => tracker.runningAt.has(k)).reduce((a, k) => Math.max(a, tracker.runningAt.get(k)!), released);
  return {
    requested: count,
    pending: made.length,
    boundBeforeRelease,
    bound: bindTimes.length,
    running: made.filter((k) => tracker.runningAt.has(k)).length,
    toFirstBind: firstBind - released,
    bindSpan: lastBind - firstBind,
    toAllRunning: lastRunning - released,
    throughput: throughputWindows(bindTimes, firstBind).sort((a, b) => a - b),
  };
}

/** Deletes a backlog Deployment and waits for its pods to be gone, so that a next stage holds the pods it names. */
async function removeBacklog(client: RestClient, name: string): Promise<void> {
  await client.delete(R.deployments, BACKLOG_NAMESPACE, name, { propagationPolicy: 'Foreground' }).catch((err: Error) => log(`  deleting ${name}: ${err.message}`));
  const deadline = performance.now() + TIMEOUT_MS;
  while (performance.now() < deadline && (await client.list(R.pods, BACKLOG_NAMESPACE, { limit: 1 })).items.length > 0) await sleepMs(1000);
}

interface StageResult {
  stage: Stage;
  createdPods: number;
  seconds: number;
  running: number;
  startupP50: number;
  startupP99: number;
  /** Pods bound per 1-second window of the saturation phase, ascending. */
  throughput: number[];
  latencyPhase?: LatencyPhase;
  backlogPhase?: BacklogPhase;
  /** How long the control plane took to work off the saturation's backlog before the latency phase. */
  settle?: { seconds: number; settled: boolean };
  latencies: ReturnType<Latencies['rows']>;
  peakRss: number;
  storeMiB: number;
  /** CPU seconds of the control plane and of the hollow nodes during the stage. */
  serverCpu: number;
  hollowCpu: number;
  /** Leader-election terms the control plane's components lost during the stage (each one relists everything). */
  lostTerms: number;
}

/**
 * Counts the control plane's "failed to renew … stopping" lines: a controller manager or
 * scheduler that missed its renew deadline under load stops, campaigns again and relists.
 */
function countLostTerms(server: ChildProcess): () => number {
  let lost = 0;
  let tail = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    const lines = (tail + chunk.toString()).split('\n');
    tail = lines.pop()!;
    for (const line of lines) if (/leader election: .* failed to renew .* stopping/.test(line)) lost++;
  });
  return () => lost;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-scale-'));
  const port = await freePort('127.0.0.1');
  const children: ChildProcess[] = [];
  const results: StageResult[] = [];
  let client: RestClient | undefined;
  try {
    log(`control plane: ${dataDir}, port ${port}`);
    const server = skiff(
      ['server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--cluster-cidr', '100.64.0.0/10'],
      'server',
      cpuProfFlags('server'),
    );
    children.push(server);
    const lostTerms = countLostTerms(server);
    await waitForLine(server, /control plane ready/, 'the control plane', 120_000);
    const kubeconfig = path.join(dataDir, 'kubeconfig.yaml');
    client = await RestClient.fromKubeconfig(kubeconfig, { userAgent: 'bench-scale', requestTimeoutMs: 600_000 });
    const stateDb = path.join(dataDir, 'server', 'state.db');

    const tracker = new PodTracker();
    const initial = await client.list(R.pods, undefined, { limit: 1 });
    tracker.start(client, initial.metadata.resourceVersion ?? '0');
    await client.create(R.namespaces, { metadata: { name: 'bench-probe' } });
    if (LATENCY_PODS > 0) await client.create(R.namespaces, { metadata: { name: LATENCY_NAMESPACE } });
    if (BACKLOG_PODS > 0) await client.create(R.namespaces, { metadata: { name: BACKLOG_NAMESPACE } });

    const hollows: ChildProcess[] = [];
    const hollowCpu = async () => {
      let total = 0;
      for (const h of hollows) total += await cpuSeconds(h.pid!).catch(() => 0);
      return total;
    };
    let nodesSoFar = 0;
    let podsSoFar = 0;
    let servicesSoFar = 0;
    let workload = 0;
    for (const [s, stage] of STAGES.entries()) {
      log(`stage ${s + 1}: ${stage.nodes} nodes, ${stage.pods} pods, ${stage.services} services`);
      const lat = new Latencies();
      const hollowCpuBefore = await hollowCpu();
      const serverCpuBefore = await cpuSeconds(server.pid!);
      const lostTermsBefore = lostTerms();
      const stopProbe = startProbe(client, lat, 'bench-probe');

      const newNodes = stage.nodes - nodesSoFar;
      if (newNodes > 0) {
        const t0 = performance.now();
        const hollow = skiff(['hollow-nodes', '--kubeconfig', kubeconfig, '--count', String(newNodes), '--name-prefix', `hollow-${s}-`, '--max-in-flight', '64'], `hollow-${s}`, cpuProfFlags(`hollow-${s}`));
        children.push(hollow);
        hollows.push(hollow);
        await waitForLine(hollow, /hollow nodes running/, `${newNodes} hollow nodes`, TIMEOUT_MS);
        log(`  ${newNodes} hollow nodes registered in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        nodesSoFar = stage.nodes;
      }

      const newPods = stage.pods - podsSoFar;
      const workloads = Math.ceil(newPods / REPLICAS);
      const namespaceFor = (w: number) => `bench-${Math.floor((w * REPLICAS) / PODS_PER_NAMESPACE)}`;
      const first = workload;
      const namespaces = new Set<string>();
      for (let w = first; w < first + workloads; w++) namespaces.add(namespaceFor(w));
      for (const ns of namespaces) await client.create(R.namespaces, { metadata: { name: ns } }).catch(() => undefined);

      const runningBefore = tracker.runningAt.size;
      const seenBefore = tracker.firstSeen.size;
      const started = performance.now();
      await runLoad(
        workloads,
        16,
        async (i) => {
          const w = first + i;
          const replicas = Math.min(REPLICAS, newPods - i * REPLICAS);
          const ns = namespaceFor(w);
          const app = `w${w}`;
          if (w % 2 === 0) {
            await lat.time('POST', () => client!.create(R.rcs, { metadata: { name: app, namespace: ns }, spec: { replicas, selector: { app }, template: template(app) } }));
          } else {
            await lat.time('POST', () =>
              client!.create(R.deployments, { metadata: { name: app, namespace: ns }, spec: { replicas, selector: { matchLabels: { app } }, template: template(app) } }),
            );
          }
        },
        { budgetMs: TIMEOUT_MS },
      );
      workload = first + workloads;
      log(`  ${workloads} workloads created in ${((performance.now() - started) / 1000).toFixed(1)} s`);

      const newServices = stage.services - servicesSoFar;
      await runLoad(
        newServices,
        16,
        async (i) => {
          const k = servicesSoFar + i;
          const w = k % Math.max(1, workload);
          await lat.time('POST', () =>
            client!.create(R.services, { metadata: { name: `svc-${k}`, namespace: namespaceFor(w) }, spec: { selector: { app: `w${w}` }, ports: [{ port: 80, targetPort: 8080 }] } }),
          );
        },
        { budgetMs: TIMEOUT_MS },
      );
      servicesSoFar = stage.services;
      log(`  ${newServices} services created`);

      const target = runningBefore + newPods;
      const deadline = started + TIMEOUT_MS;
      let lastReport = 0;
      while (tracker.runningAt.size < target && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          log(`  ${tracker.runningAt.size - runningBefore}/${newPods} running, ${tracker.firstSeen.size - seenBefore} seen, ${((performance.now() - started) / 1000).toFixed(0)} s`);
        }
      }
      const stageRunning = [...tracker.runningAt].filter(([, t]) => t >= started);
      // A loop, not Math.max(...times): 150,000 arguments overflow the call stack.
      const lastRunning = stageRunning.reduce((latest, [, t]) => Math.max(latest, t), started);
      const startup = stageRunning.map(([key, t]) => t - tracker.firstSeen.get(key)!).sort((a, b) => a - b);
      const saturationEnd = performance.now();
      const bound = [...tracker.boundAt.values()].filter((t) => t >= started && t <= saturationEnd);
      await stopProbe();
      podsSoFar = stage.pods;
      // The saturation phase's figures, taken before the latency phase so that its minutes of a
      // quiet cluster do not dilute the CPU per pod.
      const result: StageResult = {
        stage,
        createdPods: newPods,
        seconds: (lastRunning - started) / 1000,
        running: stageRunning.length,
        startupP50: quantile(startup, 0.5),
        startupP99: quantile(startup, 0.99),
        throughput: throughputWindows(bound, started).sort((a, b) => a - b),
        latencies: lat.rows(),
        peakRss: await peakRssMiB(server.pid!),
        storeMiB: await fileMiB(stateDb, `${stateDb}-wal`),
        serverCpu: (await cpuSeconds(server.pid!)) - serverCpuBefore,
        hollowCpu: (await hollowCpu()) - hollowCpuBefore,
        lostTerms: lostTerms() - lostTermsBefore,
      };
      if (LATENCY_PODS > 0 || BACKLOG_PODS > 0) {
        result.settle = await settle(server.pid!);
        log(`  control plane ${result.settle.settled ? 'settled' : 'still busy'} ${result.settle.seconds.toFixed(0)} s after the saturation`);
      }
      if (LATENCY_PODS > 0) {
        log(`  latency phase: ${LATENCY_PODS} pods at ${LATENCY_PODS_PER_SECOND}/s`);
        const { phase, names } = await runLatencyPhase(client, tracker, LATENCY_NAMESPACE, `latency-${s}-`, LATENCY_PODS);
        result.latencyPhase = phase;
        log(`  ${phase.running}/${phase.requested} latency pods running`);
        if (s < STAGES.length - 1) {
          await runLoad(names.length, 16, (i) => client!.delete(R.pods, LATENCY_NAMESPACE, names[i]).then(() => undefined), { budgetMs: TIMEOUT_MS });
        }
      }
      if (BACKLOG_PODS > 0) {
        const name = `backlog-${s}`;
        result.backlogPhase = await runBacklogPhase(client, tracker, server, name, BACKLOG_PODS);
        log(`  ${result.backlogPhase.bound}/${BACKLOG_PODS} backlog pods bound, ${result.backlogPhase.running} running`);
        if (s < STAGES.length - 1) await removeBacklog(client, name);
      }
      results.push(result);
      printStage(result);
    }
    tracker.stop();
  } finally {
    for (const c of children.reverse()) await stopProcess(c).catch(() => {});
    client?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`\nscale benchmark on ${os.cpus().length} cores (shared); ${REPLICAS} replicas per workload`);
  for (const r of results) printStage(r);
}

const q = (sorted: number[], p: number) => quantile(sorted, p).toFixed(0);

function latencyLines(l: LatencyPhase | undefined, settled: StageResult['settle']): string[] {
  if (!l) return [];
  const post = l.createLatencies.find((row) => row.verb === 'POST');
  const rate = l.requested > 1 ? (l.requested - 1) / Math.max(l.createSpan, 0.001) : NaN;
  return [
    `  latency pods        ${l.running}/${l.requested} Running (${l.failed} create(s) failed), created at ${rate.toFixed(1)}/s, POST p50 ${post ? post.p50.toFixed(0) : '-'} ms p99 ${post ? post.p99.toFixed(0) : '-'} ms`,
    `    start-up          p50 ${q(l.startup, 0.5)} ms  p90 ${q(l.startup, 0.9)} ms  p99 ${q(l.startup, 0.99)} ms   (upstream SLO p99 ≤ 5000 ms: ratio ${(quantile(l.startup, 0.99) / 5000).toFixed(2)})`,
    `    create → bound    p50 ${q(l.bound, 0.5)} ms  p99 ${q(l.bound, 0.99)} ms`,
    ...(settled ? [`    begun when the control plane ${settled.settled ? 'had settled' : 'had still not settled'} (CPU < ${SETTLE_CORES} core over ${SETTLE_WINDOW_MS / 1000} s), ${settled.seconds.toFixed(0)} s after the saturation`] : []),
  ];
}

function backlogLines(b: BacklogPhase | undefined): string[] {
  if (!b) return [];
  const rate = b.bound / Math.max(b.bindSpan / 1000, 0.001);
  return [
    `  scheduler backlog   ${b.pending}/${b.requested} pods of one Deployment made Pending while the scheduler was off its Lease (${b.boundBeforeRelease} bound meanwhile); Lease given back:`,
    `    first bound       ${(b.toFirstBind / 1000).toFixed(1)} s after (the scheduler's next try for the Lease, every 2 s; a standby has its pods and nodes listed already)`,
    `    bound             ${b.bound} in ${(b.bindSpan / 1000).toFixed(1)} s from the first = ${rate.toFixed(0)} pods/s   (target ≥ 1000 pods/s scheduled: ratio ${(rate / 1000).toFixed(2)}; CL2's scheduler-throughput threshold 100 pods/s)`,
    `    per 1-s window    p50 ${q(b.throughput, 0.5)}  p90 ${q(b.throughput, 0.9)}  max ${q(b.throughput, 1)} pods/s over ${b.throughput.length} windows`,
    `    Running           ${b.running}/${b.pending}, the last ${(b.toAllRunning / 1000).toFixed(1)} s after the Lease was given back`,
  ];
}

function printStage(r: StageResult): void {
  const { stage } = r;
  const rate = r.running / Math.max(r.seconds, 0.001);
  const lines = [
    `stage: ${stage.nodes} nodes, ${stage.pods} pods, ${stage.services} services (upstream envelope: 5000 nodes, 150000 pods, 10000 services)`,
    `  pods to Running     ${r.running}/${r.createdPods} in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)} pods/s   (target ≥ 1000 pods/s scheduled: ratio ${(rate / 1000).toFixed(2)})`,
    `  scheduling          p50 ${q(r.throughput, 0.5)}  p90 ${q(r.throughput, 0.9)}  p99 ${q(r.throughput, 0.99)}  max ${q(r.throughput, 1)} pods/s over ${r.throughput.length} 1-s windows   (target ≥ 1000 pods/s scheduled: p50 ratio ${(quantile(r.throughput, 0.5) / 1000).toFixed(2)}, max ratio ${(quantile(r.throughput, 1) / 1000).toFixed(2)})`,
    `  pod start-up        p50 ${r.startupP50.toFixed(0)} ms  p99 ${r.startupP99.toFixed(0)} ms   (saturation pods, mostly queueing behind creation; upstream SLO p99 ≤ 5000 ms: ratio ${(r.startupP99 / 5000).toFixed(2)}, measured on the latency pods below)`,
    ...latencyLines(r.latencyPhase, r.settle),
    ...backlogLines(r.backlogPhase),
    ...r.latencies.map(
      (l) => `  ${l.verb.padEnd(18)}  n=${String(l.count).padEnd(6)} p50 ${l.p50.toFixed(0).padStart(6)} ms  p99 ${l.p99.toFixed(0).padStart(6)} ms   (upstream SLO p99 ≤ ${sloMs(l.verb)} ms: ratio ${(l.p99 / sloMs(l.verb)).toFixed(2)})`,
    ),
    `  CPU                 control plane ${r.serverCpu.toFixed(1)} s = ${((r.serverCpu * 1000) / Math.max(1, r.running)).toFixed(1)} ms/pod (ceiling ${(r.running / Math.max(r.serverCpu, 0.01)).toFixed(0)} pods/s on one free core); hollow nodes ${r.hollowCpu.toFixed(1)} s`,
    `  control plane RSS   peak ${r.peakRss.toFixed(0)} MiB   (target ≤ 4096 MiB at 5000 nodes / 150000 pods: ratio ${(r.peakRss / 4096).toFixed(2)})`,
    `  store on disk       ${r.storeMiB.toFixed(0)} MiB   (etcd recommended maximum 8192 MiB: ratio ${(r.storeMiB / 8192).toFixed(3)})`,
    `  leadership lost     ${r.lostTerms} time(s) (controller manager or scheduler missed its 10 s renew deadline; upstream: never under the SLO load)`,
  ];
  console.log(lines.join('\n'));
}

await main();
