/**
 * The controller benchmark: `node --import tsx bench/controllers.ts [sizes...]` (default 1000 5000).
 *
 * Starts a control plane in-process (API server + controller manager) on a temporary data dir,
 * registers simulated nodes (Node objects only: no kubelet runs), then for each size creates a
 * ReplicationController with that many replicas and times, through a watch, how long until
 * every pod exists. The reference, measured in the same run against the same server, is the
 * API's own ceiling: the same number of pods created directly by 100 concurrent clients. The
 * ratio says how close the replication controller (slow start, expectations, ownerReferences)
 * comes to the fastest the API can take pods in.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startControlPlane } from '../src/index.ts';
import { adminClient, byLine, type AdminClient } from './admin-client.ts';
import { runLoad } from './load.ts';

const SIZES = process.argv.slice(2).map(Number).filter((n) => n > 0);
const NODES = 100;

function pod(name: string, labels: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'registry.local/pause:1' }] } };
}

async function must(client: AdminClient, method: string, url: string, body: unknown, status: number): Promise<string> {
  const res = await client.request(method, url, body);
  if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${res.body.slice(0, 300)}`);
  return res.body;
}

/** Resolves when `count` pods with label bench=<run> exist in `ns`, seen through one watch. */
function waitForPods(client: AdminClient, ns: string, run: string, count: number, onProgress: (n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen = new Set<string>();
    let lastReport = 0;
    const onLine = byLine((line) => {
      const ev = JSON.parse(line);
      if (ev.type === 'ADDED') seen.add(ev.object.metadata.name);
    });
    const close = client.stream(`/api/v1/namespaces/${ns}/pods?watch=true&labelSelector=bench%3D${run}`, {
      onResponse(status) {
        if (status !== 200) reject(new Error(`watch answered ${status}`));
      },
      onData(chunk) {
        onLine(chunk);
        if (seen.size - lastReport >= 500) {
          lastReport = seen.size;
          onProgress(seen.size);
        }
        if (seen.size >= count) {
          close();
          resolve();
        }
      },
      onError: reject,
    });
  });
}

async function main(): Promise<void> {
  const sizes = SIZES.length ? SIZES : [1000, 5000];
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-controllers-'));
  const plane = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1' });
  const client = await adminClient(plane.kubeconfigPath, 100);
  try {
    process.stdout.write(`registering ${NODES} simulated nodes\n`);
    await runLoad(NODES, 20, async (i) => {
      await must(client, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: `sim-${i}` }, status: { capacity: { pods: '110' }, allocatable: { pods: '110' } } }, 201);
    });
    const rows: string[] = [];
    for (const size of sizes) {
      const ns = `bench-${size}`;
      await must(client, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 201);

      process.stdout.write(`direct: creating ${size} pods with 100 clients\n`);
      const directStart = performance.now();
      await runLoad(size, 100, async (i) => {
        await must(client, 'POST', `/api/v1/namespaces/${ns}/pods`, pod(`direct-${i}`, { bench: 'direct' }), 201);
      });
      const directSeconds = (performance.now() - directStart) / 1000;

      process.stdout.write(`replication controller: scaling 0 → ${size}\n`);
      const run = `rc${size}`;
      const rcStart = performance.now();
      const done = waitForPods(client, ns, run, size, (n) => process.stdout.write(`  ${n}/${size} pods\n`));
      await must(client, 'POST', `/api/v1/namespaces/${ns}/replicationcontrollers`, {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: run },
        spec: { replicas: size, selector: { bench: run }, template: { metadata: { labels: { bench: run } }, spec: pod('x', {}).spec } },
      }, 201);
      await done;
      const rcSeconds = (performance.now() - rcStart) / 1000;
      const rcRate = size / rcSeconds;
      const directRate = size / directSeconds;
      rows.push(
        `${String(size).padStart(6)}  ${rcSeconds.toFixed(2).padStart(8)} s  ${rcRate.toFixed(0).padStart(7)} pods/s   direct ${directRate.toFixed(0).padStart(6)} pods/s   ratio ${(rcRate / directRate).toFixed(2)}`,
      );
    }
    process.stdout.write(`\nReplicationController 0 → N pods (created, observed by watch), ${NODES} simulated nodes\n`);
    process.stdout.write(`     N      time       rate       reference: direct creates (100 clients)\n`);
    for (const r of rows) process.stdout.write(`${r}\n`);
  } finally {
    client.close();
    await plane.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
