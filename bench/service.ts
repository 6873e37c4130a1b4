/**
 * The Service benchmark: `sudo node --import tsx bench/service.ts [--seconds 5] [--concurrency 8]
 * [--services 1000] [--endpoints 10]`. Root is required (network namespaces, nftables).
 *
 * Everything runs in network namespaces made for the run (the host's ruleset is not touched):
 * a node with a bridge, two pods on it, and the proxy programming the node's nftables from a
 * real API server (started in this process, no controllers: the benchmark writes the Services
 * and EndpointSlices itself). Then, in the same run:
 *   - HTTP from one pod to a server in the other, one new connection per request (so every
 *     request goes through the Service's DNAT), straight to the pod IP and through the Service's
 *     cluster IP, alternating rounds; requests/s, p50 and p99 latency, and the ratio
 *     ClusterIP / pod IP (target ≥ 0.9);
 *   - programming: N Services with M endpoints each are written, then a fresh proxy is started
 *     and timed until its first full sync has programmed them all, with the rule count; and the
 *     time from an EndpointSlice update (API answer) to the proxy having applied it.
 * Namespaces, servers, the API server and its data directory are removed at the end.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../src/api/catalogue.ts';
import { RestClient } from '../src/client/index.ts';
import { startControlPlane, type ControlPlane } from '../src/index.ts';
import { startProxy, type RunningProxy, type SyncReport } from '../src/proxy/index.ts';
import { createNodeNetwork, type TestNodeNetwork } from '../src/proxy/netns.test-support.ts';

const run = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(flag('seconds', '5'));
const CONCURRENCY = Number(flag('concurrency', '8'));
const SERVICE_COUNT = Number(flag('services', '1000'));
const ENDPOINTS_PER_SERVICE = Number(flag('endpoints', '10'));
const ROUNDS = 2;
const TARGET_RATIO = 0.9;

const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

/** An HTTP load generator run inside a pod's namespace: fresh connection per request. */
const HTTP_CLIENT = `
const http = require('http');
const [url, seconds, concurrency] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: false });
const latencies = [];
let errors = 0;
const end = Date.now() + Number(seconds) * 1000;
const one = () => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  http.get(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => { latencies.push(Number(process.hrtime.bigint() - t) / 1e6); resolve(); });
  }).on('error', () => { errors++; resolve(); });
});
const worker = async () => { while (Date.now() < end) await one(); };
(async () => {
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  console.log(JSON.stringify({ latencies, errors, seconds: (Date.now() - started) / 1000 }));
})();`;

interface Round {
  requests: number;
  errors: number;
  rate: number;
  latencies: number[];
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;
}

async function httpRound(netns: string, url: string): Promise<Round> {
  const { stdout } = await run('ip', ['netns', 'exec', netns, process.execPath, '-e', HTTP_CLIENT, url, String(SECONDS), String(CONCURRENCY)], { maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { latencies: number[]; errors: number; seconds: number };
  return { requests: r.latencies.length, errors: r.errors, rate: r.latencies.length / r.seconds, latencies: r.latencies };
}

function merge(rounds: Round[]): { rate: number; errors: number; p50: number; p99: number } {
  const all = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return { rate: rounds.reduce((s, r) => s + r.rate, 0) / rounds.length, errors: rounds.reduce((s, r) => s + r.errors, 0), p50: quantile(all, 0.5), p99: quantile(all, 0.99) };
}

/** Runs `fn` on every item with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function benchSlice(service: string, ips: string[], port = 8080): EndpointSlice {
  return {
    metadata: { namespace: 'default', name: `${service}-slice`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'bench-node' })),
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/service.ts needs root (network namespaces and nftables)');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-service-'));
  let net: TestNodeNetwork | undefined;
  let plane: ControlPlane | undefined;
  let client: RestClient | undefined;
  let proxy: RunningProxy | undefined;
  try {
    net = await createNodeNetwork(2);
    const [server, clientPod] = net.pods;
    await net.serve(server, 'http', 8080);
    plane = await startControlPlane({ dataDir, port: 0, controllers: false });
    client = await RestClient.fromKubeconfig(plane.kubeconfigPath);
    const proxyOptions = { client, nodeName: 'bench-node', nodeIPs: [net.nodeIP], clusterCIDR: '10.42.0.0/16', nft: net.nft, conntrack: net.conntrack, sysctl: net.sysctl, log: () => {} };

    const web = await client.create<Service>(SERVICES, { metadata: { namespace: 'default', name: 'web' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
    await client.create(SLICES, benchSlice('web', [server.ip]));
    proxy = await startProxy(proxyOptions);

    const direct: Round[] = [];
    const viaService: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      direct.push(await httpRound(clientPod.netns, `http://${server.ip}:8080/`));
      viaService.push(await httpRound(clientPod.netns, `http://${web.spec!.clusterIP}:80/`));
    }
    const d = merge(direct);
    const s = merge(viaService);
    const line = (name: string, m: ReturnType<typeof merge>) =>
      `  ${name.padEnd(20)} ${m.rate.toFixed(0).padStart(6)} req/s   p50 ${m.p50.toFixed(2).padStart(6)} ms   p99 ${m.p99.toFixed(2).padStart(6)} ms   errors ${m.errors}`;
    console.log(`HTTP, pod to pod on one node, a new connection per request, ${CONCURRENCY} in flight, ${ROUNDS} × ${SECONDS} s each (alternating):`);
    console.log(line('straight to pod IP', d));
    console.log(line('through ClusterIP', s));
    console.log(`  ratio ClusterIP / pod IP: throughput ${(s.rate / d.rate).toFixed(2)} (target ≥ ${TARGET_RATIO}), p50 latency ${(d.p50 / s.p50).toFixed(2)}`);

    await proxy.stop();
    proxy = undefined;
    const names = Array.from({ length: SERVICE_COUNT }, (_, i) => `bench-${i}`);
    const writeStarted = performance.now();
    await pool(names, 16, async (name) => {
      await client!.create(SERVICES, { metadata: { namespace: 'default', name }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    });
    await pool(names, 16, async (name) => {
      const i = Number(name.slice('bench-'.length));
      const ips = Array.from({ length: ENDPOINTS_PER_SERVICE }, (_, j) => `10.42.${1 + ((i * ENDPOINTS_PER_SERVICE + j) >> 8)}.${(i * ENDPOINTS_PER_SERVICE + j) & 255}`);
      await client!.create(SLICES, benchSlice(name, ips));
    });
    const writeSeconds = (performance.now() - writeStarted) / 1000;

    const reports: SyncReport[] = [];
    const syncWaiters: ((r: SyncReport) => void)[] = [];
    const startStarted = performance.now();
    proxy = await startProxy({ ...proxyOptions, onSync: (r) => { reports.push(r); for (const w of syncWaiters.splice(0)) w(r); } });
    const startMs = performance.now() - startStarted;
    const full = reports[0];
    const { stdout: listing } = await run(net.nft[0], [...net.nft.slice(1), 'list', 'table', 'ip', 'skiff-proxy'], { maxBuffer: 256 * 1024 * 1024 });
    const kernelRules = listing.split('\n').filter((l) => /^\t\t[^\t]/.test(l) && !/^\t\t(type|flags|elements|size|timeout|policy)\b/.test(l)).length;
    console.log(`Programming ${SERVICE_COUNT} Services × ${ENDPOINTS_PER_SERVICE} endpoints (written through the API in ${writeSeconds.toFixed(1)} s):`);
    console.log(`  fresh proxy start to table programmed: ${startMs.toFixed(0)} ms (of which the nft transaction and rule computation ${full.durationMs} ms)`);
    console.log(`  ${full.servicePorts} service ports → ${full.chains} chains, ${full.rules} rules, ${full.elements} map elements (${kernelRules} rule lines listed by nft)`);

    const latencies: number[] = [];
    const syncMs: number[] = [];
    for (let k = 0; k < 5; k++) {
      const name = `bench-${k * 7}`;
      const current = await client.get<EndpointSlice>(SLICES, 'default', `${name}-slice`);
      const endpoints = current.endpoints!.slice(0, -1);
      const applied = new Promise<SyncReport>((resolve) => syncWaiters.push(resolve));
      const t = performance.now();
      await client.update(SLICES, { ...current, endpoints });
      syncMs.push((await applied).durationMs);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    syncMs.sort((a, b) => a - b);
    console.log(`  one EndpointSlice update to rules applied (incremental, ${latencies.length} updates): p50 ${quantile(latencies, 0.5).toFixed(0)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms`);
    console.log(`    of which the proxy's sync (rule computation and the nft transaction): p50 ${quantile(syncMs, 0.5).toFixed(0)} ms, max ${syncMs[syncMs.length - 1].toFixed(0)} ms`);
    console.log(`  load average during the run (1, 5, 15 min): ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}`);
  } finally {
    await proxy?.stop();
    client?.close();
    await plane?.stop();
    await net?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
