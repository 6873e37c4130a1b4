/**
 * Kubelet-shaped watches at scale: `node --import tsx bench/scale-node-watches.ts --nodes N
 * --pods P` starts a control plane (`bin/skiff server --disable-agent`), opens N pod watches
 * with `fieldSelector=spec.nodeName=node-i` (one per node, as every kubelet holds), then creates
 * P pods already bound round-robin to those nodes and writes each one's status once, as a
 * kubelet reporting it Running would. Printed: the control plane's CPU per pod write while the
 * N watches are open (the figure that grows with N when every event is tested against every
 * watch), and whether each watch got exactly its own node's events.
 *
 * The hollow nodes of bench/scale.ts share one informer for all their pods, so they do not
 * show this cost; real kubelets, one per node, do.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../src/local-cluster/processes.ts';
import { adminClient, byLine } from './admin-client.ts';
import { runLoad } from './load.ts';
import { cpuSeconds, peakRssMiB, stopProcess } from './process-stats.ts';
import { skiffNodeFlags } from '../src/cli/node-flags.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): number => {
  const i = args.indexOf(`--${name}`);
  const n = Number(i >= 0 ? args[i + 1] : fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const NODES = flag('nodes', '1000');
const PODS = flag('pods', '5000');
const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const NS = 'bench-watch';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-node-watches-'));
const port = await freePort('127.0.0.1');
const server = spawn(
  process.execPath,
  [...skiffNodeFlags(), '--max-old-space-size=8192', path.join(REPO_ROOT, 'bin', 'skiff'), 'server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const closers: (() => void)[] = [];
try {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (/control plane ready/.test(seen)) resolve();
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const client = await adminClient(path.join(dataDir, 'kubeconfig.yaml'), 32);
  const created = await client.request('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  if (created.status !== 201) throw new Error(`namespace: ${created.status} ${created.body}`);

  // Each watch counts the events it gets and remembers any that name another node.
  const got = new Array<number>(NODES).fill(0);
  let strays = 0;
  let opened = 0;
  const t0 = performance.now();
  // Opened a batch at a time: thousands of TLS handshakes at once overflow the listen backlog.
  for (let batch = 0; batch < NODES; batch += 100) {
    const size = Math.min(100, NODES - batch);
    let openedInBatch = 0;
    await new Promise<void>((resolve, reject) => {
      for (let i = batch; i < batch + size; i++) {
        closers.push(
          client.stream(`/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dnode-${i}&timeoutSeconds=3600`, {
            onResponse(status) {
              if (status !== 200) reject(new Error(`watch answered ${status}`));
              opened++;
              if (++openedInBatch === size) resolve();
            },
            onData: byLine((line) => {
              got[i]++;
              if (!line.includes(`"nodeName":"node-${i}"`)) strays++;
            }),
            onError: reject,
          }),
        );
      }
    });
  }
  console.error(`${opened} watches open in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const cpuBefore = await cpuSeconds(server.pid!);
  const started = performance.now();
  const result = await runLoad(PODS, 32, async (i) => {
    const name = `p-${i}`;
    const pod = { metadata: { name, namespace: NS }, spec: { nodeName: `node-${i % NODES}`, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } };
    const c = await client.request('POST', `/api/v1/namespaces/${NS}/pods`, pod);
    if (c.status !== 201) throw new Error(`create: ${c.status} ${c.body}`);
    const running = { ...JSON.parse(c.body), status: { phase: 'Running' } };
    const p = await client.request('PUT', `/api/v1/namespaces/${NS}/pods/${name}/status`, running);
    if (p.status !== 200) throw new Error(`status: ${p.status} ${p.body}`);
  }, { budgetMs: 900_000 });
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await cpuSeconds(server.pid!)) - cpuBefore;
  // Let the last events arrive.
  const expected = (i: number) => 2 * (Math.floor(PODS / NODES) + (i < PODS % NODES ? 1 : 0));
  const deadline = performance.now() + 30_000;
  while (got.some((n, i) => n < expected(i)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const short = got.filter((n, i) => n < expected(i)).length;
  console.log(`node watches: ${NODES} watches, ${result.ops} pods (create + status update each) in ${seconds.toFixed(1)} s, p99 ${result.p99Ms.toFixed(0)} ms per pod`);
  console.log(`  control plane CPU   ${cpu.toFixed(1)} s = ${((cpu * 1000) / (2 * result.ops)).toFixed(2)} ms per pod write`);
  console.log(`  delivery            ${short} watches short of their events, ${strays} events on the wrong watch`);
  console.log(`  control plane RSS   peak ${(await peakRssMiB(server.pid!)).toFixed(0)} MiB`);
  client.close();
} finally {
  for (const close of closers) close();
  await stopProcess(server).catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
}
