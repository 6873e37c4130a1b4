/**
 * What idle nodes cost the control plane (issue #9): `node --import tsx bench/scale-heartbeats.ts`
 * starts a control plane (`bin/skiff server --disable-agent`), adds 1,000 hollow nodes
 * (`bin/skiff hollow-nodes`), waits for their heartbeats to settle, measures, then grows to
 * 5,000 nodes and measures again. No pods: all that runs is what every node does while idle —
 * renew its Lease every 10 s (a PUT) and post its status every 5 minutes (a PATCH of
 * nodes/status), as a kubelet does — plus the controllers that watch both.
 *
 * Flags: `--nodes 1000,5000` (the stages, growing one cluster), `--window-seconds 60` (how long
 * each measurement lasts: at least one status period, so both kinds of write are in it),
 * `--settle-seconds 20` (wait after registration, so registration's writes are not counted),
 * `--cpu-prof DIR` (a V8 CPU profile of the control plane over each window, taken through the
 * inspector, written to DIR/heartbeats-N.cpuprofile), `--verbose` (the children's output).
 *
 * Printed per stage:
 *   - writes/s served: store revisions per second over the window (every write makes one; the
 *     few that are not heartbeats — leader election, the endpoint reconciler — are ~1/s),
 *     beside the rate the nodes ask for (N/10 Lease renewals + N/300 status posts per second);
 *   - control-plane CPU ms per write (user + system from /proc, so other processes on the
 *     machine do not inflate it much), and the fraction of one core the heartbeats take;
 *   - the control plane's RSS at the end of the window and its peak (VmHWM);
 *   - the hollow nodes' own CPU per write (the client side, which shares the machine).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { freePort } from '../src/local-cluster/processes.ts';
import { adminClient } from './admin-client.ts';
import { cpuSeconds, peakRssMiB, statusMiB, stopProcess } from './process-stats.ts';
import { spawnSkiff, waitForLine } from './skiff-process.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive whole number, got "${text}"`);
  return n;
};
const STAGES = (flag('nodes') ?? '1000,5000').split(',').map((s) => positive('nodes', s));
for (let i = 1; i < STAGES.length; i++) if (STAGES[i] <= STAGES[i - 1]) throw new Error('--nodes: stages must grow');
const WINDOW_S = positive('window-seconds', flag('window-seconds') ?? '60');
const SETTLE_S = positive('settle-seconds', flag('settle-seconds') ?? '20');
const CPU_PROF_DIR = flag('cpu-prof');
const VERBOSE = args.includes('--verbose');

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function skiff(argv: string[], name: string, nodeFlags: string[] = []): ChildProcess {
  return spawnSkiff(argv, name, { verbose: VERBOSE, nodeFlags });
}

/**
 * A CPU profile of a process started with `--inspect-port=PORT`: SIGUSR1 opens its inspector,
 * and the profile covers only what runs between start() and stop().
 */
class InspectorProfile {
  private ws?: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  constructor(
    private readonly pid: number,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    if (!this.ws) {
      process.kill(this.pid, 'SIGUSR1');
      let url: string | undefined;
      for (let i = 0; i < 50 && !url; i++) {
        await sleep(100);
        url = await fetch(`http://127.0.0.1:${this.port}/json/list`)
          .then(async (r) => ((await r.json()) as { webSocketDebuggerUrl: string }[])[0]?.webSocketDebuggerUrl)
          .catch(() => undefined);
      }
      if (!url) throw new Error('the control plane did not open its inspector');
      const ws = new WebSocket(url);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
        if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
      });
      this.ws = ws;
      await this.send('Profiler.enable');
      await this.send('Profiler.setSamplingInterval', { interval: 500 });
    }
    await this.send('Profiler.start');
  }

  async stop(file: string): Promise<void> {
    const { profile } = (await this.send('Profiler.stop')) as { profile: unknown };
    await writeFile(file, JSON.stringify(profile));
  }

  close(): void {
    this.ws?.close();
  }

  private send(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws!.send(JSON.stringify({ id, method, params }));
    });
  }
}

interface StageResult {
  nodes: number;
  writesPerSecond: number;
  askedPerSecond: number;
  serverMsPerWrite: number;
  serverCores: number;
  hollowMsPerWrite: number;
  rss: number;
  peakRss: number;
}

function printStage(r: StageResult): void {
  console.log(
    [
      `stage: ${r.nodes} idle hollow nodes, no pods (${WINDOW_S} s window)`,
      `  writes served       ${r.writesPerSecond.toFixed(0)}/s of ${r.askedPerSecond.toFixed(0)}/s asked (Lease every 10 s, status every 300 s): ratio ${(r.writesPerSecond / r.askedPerSecond).toFixed(2)}`,
      `  control plane CPU   ${r.serverMsPerWrite.toFixed(3)} ms per write = ${(r.serverCores * 100).toFixed(0)}% of a core`,
      `  control plane RSS   ${r.rss.toFixed(0)} MiB now, peak ${r.peakRss.toFixed(0)} MiB`,
      `  hollow nodes CPU    ${r.hollowMsPerWrite.toFixed(3)} ms per write`,
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-heartbeats-'));
  const port = await freePort('127.0.0.1');
  const inspectPort = await freePort('127.0.0.1');
  const children: ChildProcess[] = [];
  const results: StageResult[] = [];
  let profiler: InspectorProfile | undefined;
  let client: Awaited<ReturnType<typeof adminClient>> | undefined;
  try {
    log(`control plane: ${dataDir}, port ${port}`);
    const server = skiff(
      ['server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--cluster-cidr', '100.64.0.0/10'],
      'server',
      CPU_PROF_DIR ? [`--inspect-port=127.0.0.1:${inspectPort}`] : [],
    );
    children.push(server);
    await waitForLine(server, /control plane ready/, 'the control plane', 120_000);
    const kubeconfig = path.join(dataDir, 'kubeconfig.yaml');
    client = await adminClient(kubeconfig, 2);
    const revision = async (): Promise<number> => {
      // Any list answers with the store's current revision.
      const res = await client!.request('GET', '/api/v1/namespaces?limit=1');
      if (res.status !== 200) throw new Error(`list namespaces: ${res.status} ${res.body}`);
      return Number((JSON.parse(res.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    };
    if (CPU_PROF_DIR) {
      await mkdir(CPU_PROF_DIR, { recursive: true });
      profiler = new InspectorProfile(server.pid!, inspectPort);
    }

    const hollows: ChildProcess[] = [];
    const hollowCpu = async () => {
      let total = 0;
      for (const h of hollows) total += await cpuSeconds(h.pid!);
      return total;
    };
    let nodesSoFar = 0;
    for (const [s, nodes] of STAGES.entries()) {
      const t0 = performance.now();
      const hollow = skiff(['hollow-nodes', '--kubeconfig', kubeconfig, '--count', String(nodes - nodesSoFar), '--name-prefix', `hollow-${s}-`, '--max-in-flight', '64'], `hollow-${s}`);
      children.push(hollow);
      hollows.push(hollow);
      await waitForLine(hollow, /hollow nodes running/, `${nodes - nodesSoFar} hollow nodes`, 30 * 60_000);
      log(`${nodes - nodesSoFar} hollow nodes registered in ${((performance.now() - t0) / 1000).toFixed(1)} s; settling ${SETTLE_S} s`);
      nodesSoFar = nodes;
      await sleep(SETTLE_S * 1000);

      await profiler?.start();
      const rev0 = await revision();
      const cpu0 = await cpuSeconds(server.pid!);
      const hollow0 = await hollowCpu();
      const w0 = performance.now();
      await sleep(WINDOW_S * 1000);
      const rev1 = await revision();
      const cpu1 = await cpuSeconds(server.pid!);
      const hollow1 = await hollowCpu();
      const seconds = (performance.now() - w0) / 1000;
      if (profiler) await profiler.stop(path.join(CPU_PROF_DIR!, `heartbeats-${nodes}.cpuprofile`));
      const writes = Math.max(1, rev1 - rev0);
      results.push({
        nodes,
        writesPerSecond: writes / seconds,
        askedPerSecond: nodes / 10 + nodes / 300,
        serverMsPerWrite: ((cpu1 - cpu0) * 1000) / writes,
        serverCores: (cpu1 - cpu0) / seconds,
        hollowMsPerWrite: ((hollow1 - hollow0) * 1000) / writes,
        rss: await statusMiB(server.pid!, 'VmRSS'),
        peakRss: await peakRssMiB(server.pid!),
      });
      printStage(results.at(-1)!);
    }
  } finally {
    profiler?.close();
    client?.close();
    for (const c of children.reverse()) await stopProcess(c).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(`\nheartbeat benchmark on ${os.cpus().length} cores (shared; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  for (const r of results) printStage(r);
}

await main();
