/**
 * The scheduler benchmark: `node --import tsx bench/scheduler.ts [--nodes 5000] [--pods 10000,50000]
 * [--scheduler-cpu-prof DIR] [--scheduler-node-flags "FLAGS"]` (--scheduler-cpu-prof writes each scheduler
 * process's CPU profile to DIR; --scheduler-node-flags passes Node flags, space-separated, to the
 * scheduler processes, e.g. "--inspect=9229" to take a heap sampling profile of one).
 *
 * A control plane runs in this process (loopback only, no controllers, no scheduler); the
 * scheduler runs as its own process (`bin/skiff scheduler`), so its peak memory is its own.
 * Simulated nodes are Node objects created through the API with a status the benchmark writes.
 * For each pod count it prints, in the same run:
 *   - end to end: first upstream's initial pods (1,000 before 10,000, 5,000 before 50,000, as
 *     scheduler_perf's SchedulingBasic workloads), created and scheduled unmeasured; then the
 *     measured pods created through the API by 100 clients (in a process of their own, so
 *     they do not take the API server's thread) while the scheduler runs (started, with its
 *     caches synced, before the first create, as in upstream's scheduler_perf);
 *     pods scheduled per second (first create → last binding seen by a watch, itself in a
 *     third process so that reading pod events is not counted as the control plane's work)
 *     and the p50/p99 latency from a pod's create request to its binding arriving on the watch;
 *     the creating clients' CPU time per pod, to tell whether they were the limit, and the
 *     watching process's (it shares the cores too, so it watches bound pods only and reads events without decoding them);
 *   - backlog: the same number of pods created while the scheduler is stopped, then the
 *     scheduler started: pods bound per second once it leads (its own ceiling, not the API's
 *     create rate);
 *   - the scheduler process's peak RSS, and its CPU time per pod (from /proc: the figure a
 *     busy shared machine distorts least; its inverse is the scheduler's ceiling on one core);
 *     end to end both with its start-up and the initial pods, and for the measured pods alone:
 *     start-up (loading the code, listing the nodes) and the initial pods are over before the
 *     first measured create, so only the second figure competes with the other processes for
 *     the cores while the measured pods are scheduled;
 *   - the control plane's CPU time per pod (this process: the API server and its commit thread);
 *   - how many Scheduled events were written (the scheduler's recorder drops events while the
 *     API lags, as upstream's does, and each written one costs both processes CPU);
 * each beside upstream's scheduler_perf SchedulingBasic threshold for 5,000 nodes (680 pods/s
 * at 10k pods, 810 pods/s at 50k), as a ratio.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../src/api/catalogue.ts';
import { loadKubeconfig, NodeHttpTransport, RestClient } from '../src/client/index.ts';
import { startControlPlane } from '../src/index.ts';
import { quantile, runLoad } from './load.ts';
import { cpuSeconds, peakRssMiB, stopProcess } from './process-stats.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const NODES = Number(flag('nodes', '5000'));
const POD_COUNTS = flag('pods', '10000,50000').split(',').map(Number);
/** Where the scheduler processes write CPU profiles (node --cpu-prof); none when unset. */
const CPU_PROF_DIR = flag('scheduler-cpu-prof', '');
const SCHEDULER_NODE_FLAGS = flag('scheduler-node-flags', '').split(' ').filter(Boolean);
const UPSTREAM: Record<number, number> = { 10000: 680, 50000: 810 };
/**
 * Pods scheduled before the measured ones, as upstream's SchedulingBasic workloads do (initPods:
 * 1,000 before 10,000 measured, 5,000 before 50,000): the measured pods meet a scheduler and an
 * API server that have already served some, and nodes that already hold pods. Other counts: a tenth.
 */
const INIT_PODS: Record<number, number> = { 10000: 1000, 50000: 5000 };
const CLIENTS = 100;
const REPO_ROOT = path.resolve(import.meta.dirname, '..');

const nodes = findResource('', 'v1', 'nodes')!;
const pods = findResource('', 'v1', 'pods')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const events = findResource('', 'v1', 'events')!;

function node(i: number): Node {
  const name = `node-${String(i).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    status: {
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  };
}

function pod(ns: string, i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: ns, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '100Mi' } } }] },
  };
}

/** Every child process still running, so that an interrupted run (Ctrl-C, SIGTERM) leaves none behind. */
const running = new Set<ChildProcess>();

function started(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** CPU seconds this process (every thread) has used since `since`. */
function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/**
 * Starts `skiff scheduler` as a process of its own. `synced` resolves once it has filled its
 * caches and schedules (its "caches synced" log line; the rest of its log passes through).
 */
function startSchedulerProcess(kubeconfig: string): { child: ChildProcess; synced: Promise<void> } {
  // Without leader election: the backlog's scheduler must not wait out the previous one's Lease.
  const profile = [...SCHEDULER_NODE_FLAGS, ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [])];
  const child = started(
    spawn(process.execPath, [...profile, path.join(REPO_ROOT, 'bin', 'skiff'), 'scheduler', '--kubeconfig', kubeconfig, '--leader-elect=false'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  const synced = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the scheduler exited with ${code} before its caches synced`)));
    setTimeout(() => reject(new Error('the scheduler did not log "caches synced" within 120 s')), 120_000).unref();
    createInterface({ input: child.stderr! }).on('line', (line) => {
      process.stderr.write(line + '\n');
      if (line.includes('scheduler: caches synced')) resolve();
    });
  });
  synced.catch(() => {});
  return { child, synced };
}

/**
 * The child of {@link watchBindingsElsewhere}: watches pods in `ns` and prints "NAME EPOCH-MS"
 * as each one's binding arrives, after a first line "ready" once the watch is open. A watch the
 * server ends (or drops, e.g. a consumer it judged too slow) is reopened from the last version
 * seen, or from the start when that version has expired: bindings already printed are not
 * printed again.
 *
 * The observer shares the machine's cores with what it measures, so it takes as little of them
 * as it can: it watches bound pods only (fieldSelector `spec.nodeName!=`; a pod enters that
 * selection, as ADDED, when its binding is written), one event per pod instead of its create
 * and its binding, and it does not decode the events: it reads the three fields it needs from
 * each event line. A bound pod's line carries `"nodeName":"`; the benchmark's pods have no
 * other field of that name.
 */
async function watchBindings(ns: string, kubeconfig: string): Promise<void> {
  const client = await RestClient.fromKubeconfig(kubeconfig, { userAgent: 'bench-scheduler-watcher' });
  const transport = new NodeHttpTransport(await loadKubeconfig(kubeconfig));
  const seen = new Set<string>();
  let resourceVersion = (await client.list<Pod>(pods, ns, { limit: 1 })).metadata?.resourceVersion ?? '0';
  client.close();
  const headers = { Accept: 'application/json', 'User-Agent': 'bench-scheduler-watcher' };
  const reopen = (why: string) => {
    process.stderr.write(`bench: pod watch closed (${why}); reopening\n`);
    setTimeout(open, 100);
  };
  const onLine = (line: string) => {
    if (line.startsWith('{"type":"ERROR"')) {
      // 410 Expired: start again from a list of every pod (the printed ones are skipped).
      if (line.includes('"code":410')) resourceVersion = '0';
      throw new Error(line.slice(0, 200));
    }
    resourceVersion = /"resourceVersion":"(\d+)"/.exec(line)?.[1] ?? resourceVersion;
    if (!line.includes('"nodeName":"')) return;
    const name = /"metadata":\{"name":"([^"]+)"/.exec(line)?.[1];
    if (!name || seen.has(name)) return;
    seen.add(name);
    out += `${name} ${performance.timeOrigin + performance.now()}\n`;
  };
  // One write per chunk of events, not per pod: each write wakes the benchmark's own process,
  // which is the control plane's.
  let out = '';
  const open = () => {
    const path = `/api/v1/namespaces/${ns}/pods?watch=true&fieldSelector=${encodeURIComponent('spec.nodeName!=')}&resourceVersion=${resourceVersion}`;
    transport.request({ method: 'GET', path, headers }).then(
      (res) => {
        if (res.status !== 200) {
          res.body.resume();
          return reopen(`HTTP ${res.status}`);
        }
        let buffered = '';
        let failed = false;
        res.body.setEncoding('utf8');
        res.body.on('data', (chunk: string) => {
          const text = buffered + chunk;
          let start = 0;
          let nl: number;
          try {
            while ((nl = text.indexOf('\n', start)) >= 0) {
              onLine(text.slice(start, nl));
              start = nl + 1;
            }
          } catch (err) {
            if (out) process.stdout.write(out);
            out = '';
            failed = true;
            res.body.destroy();
            return reopen((err as Error).message);
          }
          buffered = text.slice(start);
          if (out) process.stdout.write(out);
          out = '';
        });
        res.body.on('close', () => {
          if (!failed) reopen('stream ended');
        });
      },
      (err) => reopen((err as Error).message),
    );
  };
  open();
  process.stdout.write('ready\n');
}

/**
 * Watches pods in `ns` from a child process (this file with --watch-bindings), so that decoding
 * every pod event is not counted as the control plane's CPU, and records when each binding
 * arrived (in this process's clock). Resolves once the watch is open.
 */
async function watchBindingsElsewhere(kubeconfig: string, ns: string, boundAt: Map<string, number>, onBound: () => void): Promise<{ cpuSeconds(): Promise<number>; stop(): Promise<void> }> {
  const child = started(
    spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--watch-bindings', ns, '--kubeconfig', kubeconfig], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`binding watcher exited with ${code} before its watch opened`)));
    lines.once('line', () => resolve());
  });
  // Its start-up (loading, the first list) is over: what it uses from now on is the events' cost.
  const cpuAtReady = await cpuSeconds(child.pid!);
  lines.on('line', (line) => {
    const [name, epochMs] = line.split(' ');
    if (boundAt.has(name)) return;
    boundAt.set(name, Number(epochMs) - performance.timeOrigin);
    onBound();
  });
  // A watcher gone mid-run would leave the run waiting out its timeout with no word of why.
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`\nbench: the binding watcher of ${ns} exited (${signal ?? code}) before the run ended; bindings are no longer seen\n`);
  });
  return {
    cpuSeconds: async () => (await cpuSeconds(child.pid!)) - cpuAtReady,
    stop: () => {
      stopping = true;
      return stopProcess(child);
    },
  };
}

/**
 * How many Events the namespace holds: the scheduler's Scheduled events that were written, not
 * dropped by its recorder while the API lagged (each written one is work for both processes,
 * so the CPU figures are read beside it).
 */
async function eventCount(client: RestClient, ns: string): Promise<number> {
  const page = await client.list(events, ns, { limit: 1 });
  return page.items.length + (page.metadata?.remainingItemCount ?? 0);
}

async function waitForCount(map: Map<string, number>, count: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  while (map.size < count) {
    if (performance.now() > deadline) throw new Error(`${what}: only ${map.size}/${count} pods bound after ${timeoutMs / 1000}s`);
    if (map.size !== last) {
      last = map.size;
      process.stderr.write(`\r  ${what}: ${map.size}/${count} bound   `);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stderr.write('\n');
}

/**
 * Creates `count` pods in `ns` from a child process (this file with --create-pods) running
 * 100 clients, and records when each create was sent (in this process's clock). Returns the
 * child's CPU seconds, so a reader can tell whether the clients were the limit.
 */
async function createPodsElsewhere(kubeconfig: string, ns: string, count: number, createdAt: Map<string, number>): Promise<number> {
  const child = started(
    spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--create-pods', ns, String(count), '--kubeconfig', kubeconfig], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let cpu = NaN;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [name, value] = line.split(' ');
    if (name === 'cpu') cpu = Number(value);
    else createdAt.set(name, Number(value) - performance.timeOrigin);
  });
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`pod creator exited with ${code}`);
  return cpu;
}

/** The child of {@link createPodsElsewhere}: prints "NAME EPOCH-MS" as each create is sent, and "cpu SECONDS" (used since its client was made) at the end. */
async function createPods(ns: string, count: number, kubeconfig: string): Promise<void> {
  const client = await RestClient.fromKubeconfig(kubeconfig, { userAgent: 'bench-scheduler-creator' });
  // The CPU figure leaves out start-up (loading the code), as the scheduler's does.
  const cpuAtStart = process.cpuUsage();
  try {
    // The send times go out at the end, not one write per pod that would wake the control
    // plane's process (the benchmark's own) ten thousand times while it is measured.
    const sentAt: string[] = [];
    await runLoad(count, CLIENTS, async (i) => {
      sentAt.push(`pod-${i} ${performance.timeOrigin + performance.now()}\n`);
      await client.create(pods, pod(ns, i));
    }, { budgetMs: 900_000 });
    process.stdout.write(sentAt.join(''));
  } finally {
    client.close();
  }
  process.stdout.write(`cpu ${cpuSecondsSince(cpuAtStart)}\n`);
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-scheduler-'));
  const plane = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1', controllers: false, scheduler: false });
  const client = await RestClient.fromKubeconfig(plane.kubeconfigPath, { userAgent: 'bench-scheduler' });
  const children: ChildProcess[] = [];
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}: stopping the child processes and removing ${dataDir}\n`);
    for (const child of running) child.kill('SIGTERM');
    void plane
      .stop()
      .catch(() => {})
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    process.stderr.write(`bench: creating ${NODES} simulated nodes\n`);
    const made = await runLoad(NODES, CLIENTS, async (i) => void (await client.create(nodes, node(i))), { budgetMs: 600_000 });
    process.stderr.write(`  ${made.ops} nodes in ${made.seconds.toFixed(1)}s\n`);

    console.log(`\nscheduler benchmark: ${NODES} simulated nodes, ${CLIENTS} creating clients, ${os.cpus().length} cores`);
    for (const count of POD_COUNTS) {
      // End to end: the scheduler runs while 100 clients create pods.
      const ns = `e2e-${count}`;
      await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      // As upstream's scheduler_perf, the pods are created once the scheduler runs: its own
      // start (loading, listing 5,000 nodes) is not part of the figure; the backlog's is.
      const { child: scheduler, synced } = startSchedulerProcess(plane.kubeconfigPath);
      children.push(scheduler);
      await synced;
      // Its start-up (loading, the node list) and the initial pods end here: what it uses from now on is the measured pods' cost.
      // Upstream's initPods: created and scheduled first, not measured.
      const initCount = INIT_PODS[count] ?? Math.floor(count / 10);
      if (initCount > 0) {
        const initNs = `init-${count}`;
        await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: initNs } });
        const initBound = new Map<string, number>();
        const initWatch = await watchBindingsElsewhere(plane.kubeconfigPath, initNs, initBound, () => {});
        await createPodsElsewhere(plane.kubeconfigPath, initNs, initCount, new Map());
        await waitForCount(initBound, initCount, `initial pods before ${count}`, 600_000);
        await initWatch.stop();
      }
      const schedulerCpuAtSync = await cpuSeconds(scheduler.pid!);
      const createdAt = new Map<string, number>();
      const boundAt = new Map<string, number>();
      const watch = await watchBindingsElsewhere(plane.kubeconfigPath, ns, boundAt, () => {});
      const planeCpuAtStart = process.cpuUsage();
      const creatorCpu = await createPodsElsewhere(plane.kubeconfigPath, ns, count, createdAt);
      await waitForCount(boundAt, count, `end to end ${count}`, 600_000);
      const start = Math.min(...createdAt.values());
      const seconds = (Math.max(...boundAt.values()) - start) / 1000;
      const latencies = [...boundAt].map(([name, t]) => t - createdAt.get(name)!).sort((a, b) => a - b);
      const e2eRate = count / seconds;
      const e2eCpu = await cpuSeconds(scheduler.pid!);
      const e2ePlaneCpu = cpuSecondsSince(planeCpuAtStart);
      const peak = await peakRssMiB(scheduler.pid!);
      const watcherCpu = await watch.cpuSeconds();
      await watch.stop();
      await stopProcess(scheduler);
      const e2eEvents = await eventCount(client, ns);
      const upstream = UPSTREAM[count];
      const ratio = (r: number) => (upstream ? `${(r / upstream).toFixed(2)}` : 'n/a');
      console.log(
        `${String(count).padEnd(7)} end-to-end ${e2eRate.toFixed(0).padStart(6)} pods/s  p50 ${quantile(latencies, 0.5).toFixed(0).padStart(6)} ms  p99 ${quantile(latencies, 0.99).toFixed(0).padStart(6)} ms  peak RSS ${peak.toFixed(0)} MiB  scheduler CPU ${((e2eCpu * 1000) / count).toFixed(2)} ms/pod (with start-up and the initial pods; ${(((e2eCpu - schedulerCpuAtSync) * 1000) / count).toFixed(2)} for the measured ones)  control plane CPU ${((e2ePlaneCpu * 1000) / count).toFixed(2)} ms/pod  creating clients CPU ${((creatorCpu * 1000) / count).toFixed(2)} ms/pod  binding watcher CPU ${((watcherCpu * 1000) / count).toFixed(2)} ms/pod (both after their start-up)  events written ${e2eEvents}  ratio to upstream ${upstream ?? '-'} pods/s: ${ratio(e2eRate)}`,
      );

      // Backlog: pods created with no scheduler running, then one starts.
      const backlogNs = `backlog-${count}`;
      await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: backlogNs } });
      const backlogBound = new Map<string, number>();
      let firstBound = 0;
      let cpuAtFirstBound: Promise<number> | undefined;
      let planeCpuAtFirstBound: NodeJS.CpuUsage | undefined;
      let second: ChildProcess | undefined;
      // Watching from before the pods exist: a watch opened after would start with one event
      // per existing pod, tens of thousands at once.
      const backlogWatch = await watchBindingsElsewhere(plane.kubeconfigPath, backlogNs, backlogBound, () => {
        if (firstBound) return;
        firstBound = performance.now();
        cpuAtFirstBound = cpuSeconds(second!.pid!);
        planeCpuAtFirstBound = process.cpuUsage();
      });
      await createPodsElsewhere(plane.kubeconfigPath, backlogNs, count, new Map());
      second = startSchedulerProcess(plane.kubeconfigPath).child;
      const started = performance.now();
      children.push(second);
      await waitForCount(backlogBound, count, `backlog ${count}`, 600_000);
      const drainCpu = (await cpuSeconds(second.pid!)) - (await cpuAtFirstBound!);
      const drainPlaneCpu = cpuSecondsSince(planeCpuAtFirstBound!);
      const drainSeconds = (Math.max(...backlogBound.values()) - firstBound) / 1000;
      const backlogRate = count / drainSeconds;
      const backlogPeak = await peakRssMiB(second.pid!);
      await backlogWatch.stop();
      await stopProcess(second);
      const backlogEvents = await eventCount(client, backlogNs);

      console.log(
        `${String(count).padEnd(7)} backlog    ${backlogRate.toFixed(0).padStart(6)} pods/s  (first binding ${((firstBound - started) / 1000).toFixed(1)} s after start)  peak RSS ${backlogPeak.toFixed(0)} MiB  scheduler CPU ${((drainCpu * 1000) / count).toFixed(2)} ms/pod (drain only, ceiling ${(count / drainCpu).toFixed(0)} pods/s on one free core)  control plane CPU ${((drainPlaneCpu * 1000) / count).toFixed(2)} ms/pod  events written ${backlogEvents}  ratio to upstream: ${ratio(backlogRate)}`,
      );
    }
    console.log('upstream reference: scheduler_perf SchedulingBasic, 5000 nodes: 680 pods/s (10k pods measured after 1k initial), 810 pods/s (50k after 5k initial)');
  } finally {
    for (const c of children) await stopProcess(c).catch(() => {});
    client.close();
    await plane.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (args.includes('--watch-bindings')) await watchBindings(flag('watch-bindings', ''), flag('kubeconfig', ''));
else if (args.includes('--create-pods')) await createPods(flag('create-pods', ''), Number(args[args.indexOf('--create-pods') + 2]), flag('kubeconfig', ''));
else await main();
