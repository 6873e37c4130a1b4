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
 * Printed per stage, each beside the upstream figure:
 *   - pods/s to Running: pods of the stage ÷ (first workload create → last pod Running on the watch);
 *   - pod start-up latency p50/p99 (pod first seen on the watch → seen Running), SLO p99 ≤ 5 s;
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

/** Every pod's first sighting and Running sighting, from one watch of all pods. */
class PodTracker {
  readonly firstSeen = new Map<string, number>();
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

interface StageResult {
  stage: Stage;
  createdPods: number;
  seconds: number;
  running: number;
  startupP50: number;
  startupP99: number;
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
          log(`  ${tracker.runningAt.size - runningBefore}/${newPods} running, ${tracker.firstSeen.size - podsSoFar} seen, ${((performance.now() - started) / 1000).toFixed(0)} s`);
        }
      }
      const stageRunning = [...tracker.runningAt].filter(([, t]) => t >= started);
      // A loop, not Math.max(...times): 150,000 arguments overflow the call stack.
      const lastRunning = stageRunning.reduce((latest, [, t]) => Math.max(latest, t), started);
      const startup = stageRunning.map(([key, t]) => t - tracker.firstSeen.get(key)!).sort((a, b) => a - b);
      await stopProbe();
      podsSoFar = stage.pods;
      results.push({
        stage,
        createdPods: newPods,
        seconds: (lastRunning - started) / 1000,
        running: stageRunning.length,
        startupP50: quantile(startup, 0.5),
        startupP99: quantile(startup, 0.99),
        latencies: lat.rows(),
        peakRss: await peakRssMiB(server.pid!),
        storeMiB: await fileMiB(stateDb, `${stateDb}-wal`),
        serverCpu: (await cpuSeconds(server.pid!)) - serverCpuBefore,
        hollowCpu: (await hollowCpu()) - hollowCpuBefore,
        lostTerms: lostTerms() - lostTermsBefore,
      });
      printStage(results.at(-1)!);
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

function printStage(r: StageResult): void {
  const { stage } = r;
  const rate = r.running / Math.max(r.seconds, 0.001);
  const lines = [
    `stage: ${stage.nodes} nodes, ${stage.pods} pods, ${stage.services} services (upstream envelope: 5000 nodes, 150000 pods, 10000 services)`,
    `  pods to Running     ${r.running}/${r.createdPods} in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)} pods/s   (target ≥ 1000 pods/s scheduled: ratio ${(rate / 1000).toFixed(2)})`,
    `  pod start-up        p50 ${r.startupP50.toFixed(0)} ms  p99 ${r.startupP99.toFixed(0)} ms   (upstream SLO p99 ≤ 5000 ms: ratio ${(r.startupP99 / 5000).toFixed(2)})`,
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
