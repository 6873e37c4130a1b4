/**
 * The pod start-up benchmark: `sudo node --import tsx bench/pod-startup.ts [--pods 100] [--runc-runs 10] [--paced-rate 5] [--runtime runc|crun]`.
 * Root is required (the kubelet runs real containers).
 *
 * What `skiff up` runs, in this process: a control plane (API server, controllers, scheduler)
 * and a node agent (kubelet with the pod network, Service proxy, cluster DNS), on a fresh data
 * directory, with a busybox image imported beforehand (scripts/build-busybox-image.sh), so no
 * pull is timed. It all runs in a network namespace of its own (the bench re-runs itself under
 * `nsenter --net`; not `ip netns exec`, which remounts /sys and hides the cgroups), so the
 * bridge, veths and nftables tables it makes vanish with that namespace. Then, in the same run:
 *   - bare runc: `runc run -d` of a bundle whose rootfs is that image's unpacked layer, with a
 *     `--root` under the data directory as the kubelet's runc uses; the p50 of a few runs;
 *   - pods: N busybox `sleep 3600` pods (imagePullPolicy IfNotPresent) created at once; p50 and
 *     p99 from each pod's create request (client side) to a watch seeing it Running and Ready;
 *   - the runtime's floor at that concurrency: once those pods are gone, N `run -d` of the bare
 *     bundle at once by the node's runtime, p50 and p99 of each launch to the runtime's exit;
 *   - paced pods: once those are deleted and gone, N more created at a steady 5 per second, as
 *     upstream's own node test does it (clusterloader2's node-throughput test: 100 pods on one
 *     node at 5 pods/s, pod start-up threshold 5 s), timed the same way. `--paced-rate R` changes
 *     the rate, 0 skips this part;
 * and the ratio of pod p99 to bare runc p50, beside upstream's SLO (p99 <= 5 s) and ours
 * (p99 <= 1 s). Pods, containers and the data directory are removed at the end, even on failure.
 * `--runtime runc|crun` picks the node's runtime (default the kubelet's; the bare reference stays `runc run`).
 * `--cpu-profile FILE` profiles the process (control plane and node) while the pods start.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../src/api/catalogue.ts';
import { isNotFound, loadKubeconfig, RestClient, type Watch } from '../src/client/index.ts';
import { startControlPlane, type ControlPlane } from '../src/index.ts';
import { LocalImageService } from '../src/kubelet/images/index.ts';
import { startAgent, type RunningAgent } from '../src/agent.ts';
import { defaultOciRuntime, OciRuntime } from '../src/kubelet/runtime/index.ts';
import { quantile } from './load.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const POD_COUNT = Number(flag('pods', '100'));
const RUNC_RUNS = Number(flag('runc-runs', '10'));
/** Pods a second of the paced part (see the file's comment); 0 skips it. */
const PACED_RATE = Number(flag('paced-rate', '5'));
const VERBOSE = args.includes('--verbose');
const RUNTIME = parseRuntime(flag('runtime', defaultOciRuntime()));
/** Writes a CPU profile (.cpuprofile, for Chrome DevTools) of this process while the pods start. */
const CPU_PROFILE = flag('cpu-profile', '');
/** Set on the re-run inside the bench's network namespace. */
const IN_NETNS = args.includes('--in-netns');
const IMAGE = 'skiff.bench/busybox:1';
const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const UPSTREAM_SLO_MS = 5000;
const TARGET_MS = 1000;
const CPUACCT = '/sys/fs/cgroup/cpuacct';
const CLUSTER_CIDR = '10.42.0.0/16';
const CLUSTER_DNS = '10.43.0.10';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const log = (line: string) => {
  if (VERBOSE) process.stderr.write(`${line}\n`);
};

function parseRuntime(name: string): 'runc' | 'crun' {
  if (name !== 'runc' && name !== 'crun') throw new Error(`--runtime: expected runc or crun, not ${name}`);
  return name;
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function benchPod(name: string, nodeName: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'pod-startup-bench' } },
    spec: {
      // Scheduled by the scheduler like any pod; the only node is ours.
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } } },
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'sleep', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
    },
  };
}

/** Resolves when `argv` has exited 0 (stdio ignored: a detached container keeps no pipe of ours open). */
function spawnAndWait(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

/** Writes an OCI bundle of `sleep 3600` on the image's layer (read-only) and returns its directory. */
async function bareBundle(dataDir: string, layer: string): Promise<string> {
  const bundle = path.join(dataDir, 'bare', 'bundle');
  await mkdir(bundle, { recursive: true });
  await run('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(await readFile(path.join(bundle, 'config.json'), 'utf8'));
  spec.root = { path: layer, readonly: true };
  spec.process.terminal = false;
  spec.process.args = ['sleep', '3600'];
  await writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}

/** `runc run -d` of the bare bundle, `runs` times; each container is deleted after it is timed. */
async function bareRunc(dataDir: string, bundle: string, runs: number): Promise<number[]> {
  const root = path.join(dataDir, 'bare', 'runc');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const id = `skiff-bench-${process.pid}-${i}`;
    const started = performance.now();
    try {
      await spawnAndWait(['runc', '--root', root, 'run', '-d', '--bundle', bundle, id]);
      times.push(performance.now() - started);
    } finally {
      await run('runc', ['--root', root, 'delete', '--force', id]).catch(() => undefined);
    }
  }
  return times.sort((a, b) => a - b);
}

/**
 * The runtime's own floor for the at-once part: `count` containers of the bare bundle started at
 * once by `runtime run -d`, as the kubelet starts the pods' containers (here with nothing else:
 * no API, no sandbox network, no volumes). Each is timed from its launch to the runtime's exit,
 * which for `-d` is when the container's process runs. All are deleted after.
 */
async function bareAtOnce(dataDir: string, bundle: string, runtime: 'runc' | 'crun', count: number): Promise<number[]> {
  const root = path.join(dataDir, 'bare', `${runtime}-at-once`);
  const ids = Array.from({ length: count }, (_, i) => `skiff-bench-${process.pid}-once-${i}`);
  try {
    return (
      await Promise.all(
        ids.map(async (id) => {
          const started = performance.now();
          await spawnAndWait([runtime, '--root', root, 'run', '-d', '--bundle', bundle, id]);
          return performance.now() - started;
        }),
      )
    ).sort((a, b) => a - b);
  } finally {
    for (const id of ids) await run(runtime, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root: the kubelet runs real containers');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-pod-startup-'));
  const rootDir = path.join(dataDir, 'agent');
  const nodeName = `bench-${process.pid}`;
  let plane: ControlPlane | undefined;
  let agent: RunningAgent | undefined;
  let client: RestClient | undefined;
  let watch: Watch | undefined;
  try {
    await mkdir(path.join(rootDir, 'images'), { recursive: true });
    await run(path.join(REPO_ROOT, 'scripts', 'build-busybox-image.sh'), [path.join(rootDir, 'images', 'busybox.tar'), IMAGE]);
    plane = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1', clusterCidr: CLUSTER_CIDR, clusterDns: CLUSTER_DNS, log });
    // As `skiff up` starts its node (cli/kubelet-command.ts startServerAgent).
    agent = await startAgent({
      kubeconfigPath: plane.kubeconfigPath,
      nodeName,
      rootDir,
      kubeletPort: 0,
      isServer: true,
      runtime: RUNTIME,
      network: { clusterCidr: CLUSTER_CIDR },
      clusterDNS: [CLUSTER_DNS],
      log,
    });
    client = RestClient.fromConnection(await loadKubeconfig(plane.kubeconfigPath), { userAgent: 'bench-pod-startup' });
    const api = client;
    await waitUntil('the node to be Ready', async () => {
      const node = await api.get<Node>(NODES, undefined, nodeName).catch(() => undefined);
      return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    }, 60_000);

    const image = await new LocalImageService({ rootDir }).get(IMAGE);
    if (!image || image.layers.length !== 1) throw new Error(`${IMAGE} was not imported as one layer`);
    const bundle = await bareBundle(dataDir, image.layers[0]);
    const bare = await bareRunc(dataDir, bundle, RUNC_RUNS);
    const bareP50 = quantile(bare, 0.5);

    const createdAt = new Map<string, number>();
    const boundAt = new Map<string, number>();
    const readyAt = new Map<string, number>();
    const uids = new Map<string, string>();
    watch = api.watch<Pod>(
      PODS,
      'default',
      { resourceVersion: '0', labelSelector: 'app=pod-startup-bench' },
      (event) => {
        const name = event.object.metadata?.name;
        if (!name) return;
        if (!boundAt.has(name) && event.object.spec?.nodeName) boundAt.set(name, performance.now());
        if (!readyAt.has(name) && runningAndReady(event.object)) readyAt.set(name, performance.now());
        if (event.object.metadata?.uid) uids.set(name, event.object.metadata.uid);
      },
      (err) => {
        if (err) process.stderr.write(`bench: pod watch closed: ${err.message}\n`);
      },
    );
    // Control plane and node agent share this process: a busy event loop delays all of them.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const profiler = CPU_PROFILE ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const cpuBefore = process.cpuUsage();
    const stackBefore = await stackCpuMs();
    const names = Array.from({ length: POD_COUNT }, (_, i) => `startup-${String(i).padStart(3, '0')}`);
    const firstCreate = performance.now();
    await Promise.all(names.map(async (name) => {
      createdAt.set(name, performance.now());
      await api.create<Pod>(PODS, benchPod(name, nodeName));
    }));
    let last = -1;
    await waitUntil(`${POD_COUNT} pods Running and Ready`, () => {
      if (readyAt.size !== last) process.stderr.write(`\r  ${(last = readyAt.size)}/${POD_COUNT} Running and Ready   `);
      return readyAt.size >= POD_COUNT;
    }, 300_000);
    process.stderr.write('\n');
    const cpu = process.cpuUsage(cpuBefore);
    const stackAfter = await stackCpuMs();
    const stackCpu = stackBefore !== undefined && stackAfter !== undefined ? stackAfter - stackBefore : undefined;
    const podCgroupsCpu = await podCgroupsCpuMs([...uids.values()]);
    loopDelay.disable();
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(CPU_PROFILE, JSON.stringify(profile));
      profiler.disconnect();
    }
    const latencies = names.map((n) => readyAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    const lastReady = Math.max(...readyAt.values()) - firstCreate;
    const bound = names.map((n) => boundAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);

    // The runtime's own floor at the same concurrency, on a node the at-once pods have left.
    await deleteBenchPods(api);
    const once = await bareAtOnce(dataDir, bundle, RUNTIME, POD_COUNT);
    const onceP99 = quantile(once, 0.99);

    const ms = (x: number) => `${Math.round(x)} ms`;
    process.stdout.write(
      [
        `pod start-up: ${POD_COUNT} pods (busybox sleep, image present) created at once on one node, containers by ${RUNTIME}`,
        `  create -> Running and Ready (watch): p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(latencies.at(-1)!)}; all Ready ${ms(lastReady)} after the first create`,
        `  of which create -> bound (scheduler): p50 ${ms(quantile(bound, 0.5))}, p99 ${ms(quantile(bound, 0.99))}`,
        `  event loop delay while the pods started: p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}; CPU of this process (control plane and node) ${ms((cpu.user + cpu.system) / 1000)}` +
          (stackCpu !== undefined ? `, with the processes it started ${ms(stackCpu)} (${ms(stackCpu / POD_COUNT)} a pod)` : ''),
        `  CPU in the pods' cgroups (the runtime's work after it joined them, and the containers): ${ms(podCgroupsCpu)}` +
          (stackCpu !== undefined ? `; all told ${ms((stackCpu + podCgroupsCpu) / POD_COUNT)} a pod` : ''),
        `  machine load average (1 min) at the end: ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
        `  bare runc run -d (busybox bundle, ${bare.length} runs): p50 ${ms(bareP50)}, min ${ms(bare[0])}, max ${ms(bare.at(-1)!)}`,
        `  ratio pod p99 / bare runc p50: ${(p99 / bareP50).toFixed(1)}x`,
        `  bare ${RUNTIME} run -d, ${once.length} at once (the runtime alone: no API, kubelet, network or volumes): p50 ${ms(quantile(once, 0.5))}, p99 ${ms(onceP99)}; ratio pod p99 / this p99: ${(p99 / onceP99).toFixed(1)}x`,
        `  upstream SLO p99 <= ${ms(UPSTREAM_SLO_MS)}: ${p99 <= UPSTREAM_SLO_MS ? 'met' : 'missed'}; target p99 <= ${ms(TARGET_MS)}: ${p99 <= TARGET_MS ? 'met' : 'missed'}` +
          (onceP99 > TARGET_MS ? ` (the runtime alone, at once, takes p99 ${ms(onceP99)} on this machine)` : ''),
      ].join('\n') + '\n',
    );

    if (PACED_RATE > 0) {
      // A node with nothing left of the first part: its pods' containers and sandboxes are gone
      // once the kubelet has deleted the pods (it does so only after that).
      await deleteBenchPods(api);
      const paced = Array.from({ length: POD_COUNT }, (_, i) => `paced-${String(i).padStart(3, '0')}`);
      const first = performance.now();
      const creates: Promise<unknown>[] = [];
      for (const [i, name] of paced.entries()) {
        // A steady rate whatever each create takes: the next one's time does not wait for it.
        const due = first + (i * 1000) / PACED_RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        createdAt.set(name, performance.now());
        creates.push(api.create<Pod>(PODS, benchPod(name, nodeName)));
      }
      await Promise.all(creates);
      last = -1;
      await waitUntil(`${POD_COUNT} paced pods Running and Ready`, () => {
        const ready = paced.filter((n) => readyAt.has(n)).length;
        if (ready !== last) process.stderr.write(`\r  ${(last = ready)}/${POD_COUNT} paced pods Running and Ready   `);
        return ready >= POD_COUNT;
      }, 300_000);
      process.stderr.write('\n');
      const pacedLatencies = paced.map((n) => readyAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);
      const pacedBound = paced.map((n) => boundAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);
      const pacedP99 = quantile(pacedLatencies, 0.99);
      process.stdout.write(
        [
          `paced: ${POD_COUNT} more pods created at ${PACED_RATE} pods/s on the same node, once the first ${POD_COUNT} were gone (upstream's node-throughput test: 100 pods at 5/s, threshold 5 s)`,
          `  create -> Running and Ready (watch): p50 ${ms(quantile(pacedLatencies, 0.5))}, p99 ${ms(pacedP99)}, max ${ms(pacedLatencies.at(-1)!)}`,
          `  of which create -> bound (scheduler): p50 ${ms(quantile(pacedBound, 0.5))}, p99 ${ms(quantile(pacedBound, 0.99))}`,
          `  upstream threshold p99 <= ${ms(UPSTREAM_SLO_MS)}: ${pacedP99 <= UPSTREAM_SLO_MS ? 'met' : 'missed'} (ratio ${(pacedP99 / UPSTREAM_SLO_MS).toFixed(2)}); our target p99 <= ${ms(TARGET_MS)} is for pods created at once (above)`,
        ].join('\n') + '\n',
      );
    }
  } finally {
    watch?.stop();
    await cleanUp({ client, agent, plane, rootDir, dataDir });
  }
}

/**
 * Runs this bench again inside a network namespace made for it, and removes the namespace
 * (with the bridge, veths and tables made in it) afterwards. The re-run also gets a cpuacct
 * cgroup of its own, so the CPU of everything it starts — the spawner, the network commands,
 * the monitors and runc — can be counted (see stackCpuMs).
 */
async function inOwnNetns(): Promise<number> {
  const netns = `skiff-bench-${process.pid}`;
  const cgroup = path.join(CPUACCT, netns);
  await run('ip', ['netns', 'add', netns]);
  try {
    await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    const counted = await mkdir(cgroup).then(() => true, () => false);
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, ...process.execArgv, import.meta.filename, ...args, '--in-netns'], { stdio: 'inherit' });
    // Before nsenter has started node (it execs, keeping its pid), so all its descendants count.
    if (counted && child.pid) await writeFile(path.join(cgroup, 'cgroup.procs'), String(child.pid)).catch(() => undefined);
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop).once('SIGTERM', stop);
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    await run('ip', ['netns', 'del', netns]).catch((err) => process.stderr.write(`bench: deleting netns ${netns}: ${err.message}\n`));
    // The re-run's last processes (the spawner) may still be exiting.
    await waitUntil(`cgroup ${cgroup} to be removed`, () => rmdir(cgroup).then(() => true, (err) => err.code === 'ENOENT'), 5000).catch((err) => process.stderr.write(`bench: ${err.message}\n`));
  }
}

/**
 * CPU time (ms) used so far by this process's cpuacct cgroup — the bench's re-run and every
 * process it started, except the containers (runc moves them to their own cgroups) — or
 * undefined outside such a cgroup.
 */
async function stackCpuMs(): Promise<number | undefined> {
  const line = (await readFile('/proc/self/cgroup', 'utf8')).split('\n').find((l) => /^\d+:([^:]*,)?cpuacct(,[^:]*)?:/.test(l));
  const dir = line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  if (!dir || dir === '/') return undefined;
  const ns = await readFile(path.join(CPUACCT, dir, 'cpuacct.usage'), 'utf8').catch(() => undefined);
  return ns === undefined ? undefined : Number(ns) / 1e6;
}

/**
 * CPU time (ms) used so far in the pods' cgroups (cpuacct, /skiff/<pod uid>): the containers,
 * and whatever of the runtime's start-up runs in them — runc's init once runc has moved it, crun
 * and the monitor from the start (the kubelet makes crun's cgroups and the monitor joins them).
 */
async function podCgroupsCpuMs(podUids: string[]): Promise<number> {
  const usage = await Promise.all(podUids.map((uid) => readFile(path.join(CPUACCT, 'skiff', uid, 'cpuacct.usage'), 'utf8').then(Number, () => 0)));
  return usage.reduce((a, b) => a + b, 0) / 1e6;
}

/** Deletes the bench's pods and waits until the kubelet has removed them (it deletes a pod last). */
async function deleteBenchPods(client: RestClient): Promise<void> {
  const list = await client.list<Pod>(PODS, 'default', { labelSelector: 'app=pod-startup-bench' });
  await Promise.all(list.items.map((p) => client.delete(PODS, 'default', p.metadata!.name!).catch((err) => {
    if (!isNotFound(err)) throw err;
  })));
  await waitUntil('the pods to be gone', async () => (await client.list<Pod>(PODS, 'default', { labelSelector: 'app=pod-startup-bench' })).items.length === 0, 120_000);
}

/** Deletes the pods and waits for the kubelet to remove them; then whatever is left goes by force. */
async function cleanUp(parts: { client?: RestClient; agent?: RunningAgent; plane?: ControlPlane; rootDir: string; dataDir: string }): Promise<void> {
  const { client, agent, plane, rootDir, dataDir } = parts;
  if (client && agent) {
    try {
      await deleteBenchPods(client);
    } catch (err) {
      process.stderr.write(`bench: deleting the pods: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  await agent?.stop().catch(() => undefined);
  const runtime = new OciRuntime({ rootDir, runtime: RUNTIME });
  for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
  for (const c of await runtime.listContainers().catch(() => [])) await runtime.removeContainer(c.id).catch(() => undefined);
  client?.close();
  await plane?.stop().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true }).catch((err) => process.stderr.write(`bench: removing ${dataDir}: ${err.message}\n`));
}

(IN_NETNS ? main().then(() => 0) : inOwnNetns()).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
