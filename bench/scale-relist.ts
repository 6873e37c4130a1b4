/**
 * Whether the control plane keeps answering Lease renewals while informers relist every pod:
 * `node --import tsx bench/scale-relist.ts --reuse DIR [--listers 2] [--write-rate 200] [--profile FILE]`.
 *
 * DIR is a datastore kept by `bench/scale-memory.ts --keep` (5,000 nodes, 150,000 pods, their
 * RCs and Services). The whole control plane (`bin/skiff server --disable-agent`) is started on
 * it, and while pod status writes move the revision on (so a list's continue pages are read at
 * a revision the state cache has left behind, as in a busy cluster), a probe renews a Lease
 * every 200 ms, one request at a time, as a leader does. Phases:
 *   - idle: the writes only;
 *   - relist: `--listers` paginated LISTs of every pod at once (limit 500, continue, as
 *     informers list after a lost leadership), then the same again.
 * For each phase: the probe's p50/p99/max renewal latency (a leader gives up after 10 s), the
 * control plane's CPU seconds, and for the relist the pages' p99/max and ms of CPU per 1,000
 * pods listed. `--profile FILE` writes a CPU profile of the control plane during the first
 * relist, `--profile-start FILE` one from its start to the end of the idle phase; `--log FILE`
 * keeps the control plane's output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findResource } from '../src/api/catalogue.ts';
import { RestClient } from '../src/client/index.ts';
import { freePort } from '../src/local-cluster/processes.ts';
import { adminClient, type AdminClient } from './admin-client.ts';
import { quantile } from './load.ts';
import { cpuSeconds, stopProcess } from './process-stats.ts';
import { Inspector, runWithWebSocket } from './inspector.ts';
import { skiffNodeFlags } from '../src/cli/node-flags.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const REUSE = flag('reuse', '');
const LISTERS = Number(flag('listers', '2'));
const WRITE_RATE = Number(flag('write-rate', '200'));
const PROFILE = flag('profile', '');
const LOG_FILE = flag('log', '');
const PROFILE_START = flag('profile-start', '');
const IDLE_SECONDS = Number(flag('idle-seconds', '10'));
const REPO_ROOT = path.resolve(import.meta.dirname, '..');
/** As bench/scale-memory.ts names its pods. */
const PER_NAMESPACE = 3000;
const PER_RC = 10;
const PODS = findResource('', 'v1', 'pods')!;
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

async function startServer(dataDir: string): Promise<{ child: ChildProcess; port: number; inspector: Inspector }> {
  const port = await freePort('127.0.0.1');
  const inspectPort = await freePort('127.0.0.1');
  const child = spawn(
    process.execPath,
    [...skiffNodeFlags(), '--max-old-space-size=8192', `--inspect=127.0.0.1:${inspectPort}`, path.join(REPO_ROOT, 'bin', 'skiff'), 'server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--cluster-cidr', '100.64.0.0/10', '--node-monitor-grace-period', '3600'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  let seen = '';
  const take = (c: Buffer) => {
    seen += c.toString();
    if (LOG_FILE) void appendFile(LOG_FILE, c);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const inspector = await Inspector.connect(inspectPort);
  if (PROFILE_START) await startProfiler(inspector);
  const t0 = performance.now();
  while (!(seen.includes('controller-manager: caches synced') && seen.includes('scheduler: caches synced'))) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${seen.slice(-3000)}`);
    if (performance.now() - t0 > 900_000) throw new Error(`server not synced after 900 s:\n${seen.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`control plane synced in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { child, port, inspector };
}

async function startProfiler(inspector: Inspector): Promise<void> {
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 1000 });
  await inspector.post('Profiler.start');
}

async function stopProfiler(inspector: Inspector, file: string): Promise<void> {
  const { profile } = await inspector.post('Profiler.stop');
  await writeFile(file, JSON.stringify(profile));
  log(`profile written to ${file}`);
}

/** Renews one Lease every 200 ms, one request at a time, recording each renewal's latency. */
function leaseProbe(client: AdminClient): { take(): number[]; stop(): Promise<void> } {
  const path = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/bench-relist-probe';
  let latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    const created = await client.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', { metadata: { name: 'bench-relist-probe' }, spec: { holderIdentity: 'bench' } });
    let lease = created.status === 201 ? JSON.parse(created.body) : JSON.parse((await client.request('GET', path)).body);
    while (running) {
      const t0 = performance.now();
      lease.spec.renewTime = new Date().toISOString().replace('Z', '000Z');
      const res = await client.request('PUT', path, lease);
      latencies.push(performance.now() - t0);
      lease = res.status === 200 ? JSON.parse(res.body) : JSON.parse((await client.request('GET', path)).body);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    take: () => {
      const taken = latencies;
      latencies = [];
      return taken;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Pod status writes at `rate` per second, round-robin over the first pods of the datastore. */
function podWriter(client: RestClient, rate: number): { count(): number; stop(): Promise<void> } {
  let running = true;
  let n = 0;
  const pods = 30_000;
  const one = async () => {
    const i = (n++ * 7919) % pods;
    const ns = `bench-${Math.floor(i / PER_NAMESPACE)}`;
    const name = `w${Math.floor(i / PER_RC)}-${i.toString(36).padStart(5, '0')}`;
    await client.patchStatus(PODS, ns, name, { status: { message: `relist bench ${n}` } }, 'merge');
  };
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (!running) return;
    for (let k = 0; k < rate / 20 && inFlight.size < 64; k++) {
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 50);
  return {
    count: () => n,
    stop: async () => {
      running = false;
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

/** One informer-style list of every pod: pages of 500 until no continue token; page latencies. */
async function listAllPods(client: AdminClient): Promise<{ items: number; pages: number[] }> {
  const pages: number[] = [];
  let items = 0;
  let token = '';
  do {
    const t0 = performance.now();
    const res = await client.request('GET', `/api/v1/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    pages.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`list pods: ${res.status} ${res.body.slice(0, 300)}`);
    // The list's metadata comes before its items: read it without parsing every pod.
    const head = res.body.slice(0, res.body.indexOf('"items":['));
    token = /"continue":"([^"]*)"/.exec(head)?.[1] ?? '';
    items += (res.body.match(/"kind":"Pod"/g) ?? []).length;
  } while (token);
  return { items, pages };
}

/** Waits until the control plane uses under half a core over 5 s (its controllers have caught up), 3 minutes at most. */
async function settle(pid: number): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const c0 = await cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 5000));
    if ((await cpuSeconds(pid)) - c0 < 2.5 || performance.now() - t0 > 180_000) return;
  }
}

function latencyLine(name: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const over = (limit: number) => sorted.filter((x) => x > limit).length;
  return `${name}: n=${sorted.length} p50 ${quantile(sorted, 0.5).toFixed(0)} ms, p99 ${quantile(sorted, 0.99).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms, >1 s: ${over(1000)}, >5 s: ${over(5000)}`;
}

async function main(): Promise<void> {
  if (!REUSE) throw new Error('--reuse DIR (a datastore kept by bench/scale-memory.ts --keep) is required');
  const dataDir = path.join(REUSE, 'data');
  const server = await startServer(dataDir);
  const pid = server.child.pid!;
  const out: string[] = [];
  try {
    const client = await adminClient(path.join(dataDir, 'kubeconfig.yaml'), 96);
    const probe = leaseProbe(client);
    await settle(pid);
    const rest = await RestClient.fromKubeconfig(path.join(dataDir, 'kubeconfig.yaml'), { userAgent: 'bench-relist' });
    const writer = podWriter(rest, WRITE_RATE);
    log(`idle (${WRITE_RATE} pod writes/s) for ${IDLE_SECONDS} s`);
    let c0 = await cpuSeconds(pid);
    let w0 = writer.count();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    out.push(`idle ${IDLE_SECONDS} s: control plane ${((await cpuSeconds(pid)) - c0).toFixed(1)} CPU s, ${writer.count() - w0} pod writes`);
    out.push(`  ${latencyLine('lease renewals', probe.take())}`);
    if (PROFILE_START) await stopProfiler(server.inspector, PROFILE_START);
    for (let round = 1; round <= 2; round++) {
      log(`relist ${round}: ${LISTERS} paginated lists of every pod at once`);
      if (PROFILE && round === 1) await startProfiler(server.inspector);
      c0 = await cpuSeconds(pid);
      w0 = writer.count();
      const t0 = performance.now();
      const lists = await Promise.all(Array.from({ length: LISTERS }, () => listAllPods(client)));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = (await cpuSeconds(pid)) - c0;
      if (PROFILE && round === 1) await stopProfiler(server.inspector, PROFILE);
      const items = lists.reduce((s, l) => s + l.items, 0);
      out.push(`relist ${round}: ${LISTERS} × ${lists[0].items} pods in ${seconds.toFixed(1)} s; control plane ${cpu.toFixed(1)} CPU s (${((cpu * 1e6) / items).toFixed(1)} ms per 1,000 pods listed, writes included: ${writer.count() - w0})`);
      out.push(`  ${latencyLine('pages', lists.flatMap((l) => l.pages))}`);
      out.push(`  ${latencyLine('lease renewals', probe.take())}`);
    }
    await writer.stop();
    await probe.stop();
    rest.close();
    client.close();
  } finally {
    server.inspector.close();
    await stopProcess(server.child);
  }
  const [load1, load5] = os.loadavg();
  console.log(`\nrelist benchmark: ${os.cpus().length} cores (shared), load average ${load1.toFixed(1)} / ${load5.toFixed(1)}`);
  for (const line of out) console.log(`  ${line}`);
}

await runWithWebSocket(main);
