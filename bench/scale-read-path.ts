/**
 * The API server's read path at the scale envelope, without waiting for a control plane to
 * create the pods: `node --import tsx bench/scale-read-path.ts [--pods 150000] [--watchers 1000]`.
 *
 * The datastore is filled directly (SQLite, `--pods` pods of the size a hollow-node pod has,
 * 3,000 per namespace, 30 per node), then `bin/skiff apiserver` is started on it alone, and:
 *   - start-up time and resident memory, against an empty server: memory per pod held;
 *   - a full paginated LIST of every pod (limit 500, as informers and `kubectl get` page):
 *     total time and p99 per page — served from the state cache for the first page and from
 *     the store for the rest when writes move the cache on; and the same walk forced onto the
 *     store (resourceVersionMatch=Exact at an older revision: the path every list took before
 *     lists were served from memory);
 *   - a namespace LIST (3,000 pods) and a field-selected LIST (spec.nodeName=X, a kubelet's),
 *     p50/p99 from the cache and from the store;
 *   - watch fan-out: `--watchers` watches of pods each selecting one node (as kubelets watch),
 *     then pod status updates: the API server's CPU time per update and the time until the
 *     watchers have seen all of them;
 * each beside upstream's SLO (list: p99 ≤ 30 s cluster-wide, ≤ 5 s in a namespace; single
 * objects ≤ 1 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findResource } from '../src/api/catalogue.ts';
import { RestClient } from '../src/client/index.ts';
import { SqliteStore } from '../src/storage/sqlite.ts';
import { adminClient, type AdminClient } from './admin-client.ts';
import { freePort } from '../src/local-cluster/processes.ts';
import { quantile } from './load.ts';
import { cpuSeconds } from './process-stats.ts';
import { skiffNodeFlags } from '../src/cli/node-flags.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const POD_COUNT = Number(flag('pods', '150000'));
const WATCHERS = Number(flag('watchers', '1000'));
const UPDATES = Number(flag('updates', '2000'));
const PER_NAMESPACE = 3000;
const PER_NODE = 30;
const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const PODS = findResource('', 'v1', 'pods')!;
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function podJson(i: number): { key: string; value: string } {
  const ns = `bench-${Math.floor(i / PER_NAMESPACE)}`;
  const name = `w${Math.floor(i / 50)}-${i.toString(36).padStart(5, '0')}`;
  const node = `hollow-${Math.floor(i / PER_NODE)}`;
  const uid = randomUUID();
  const t = '2026-11-26T15:33:07Z';
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      creationTimestamp: t,
      generateName: `w${Math.floor(i / 50)}-`,
      labels: { app: `w${Math.floor(i / 50)}` },
      name,
      namespace: ns,
      ownerReferences: [{ apiVersion: 'v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicationController', name: `w${Math.floor(i / 50)}`, uid: randomUUID() }],
      uid,
      managedFields: [
        { apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} }, 'f:ownerReferences': {} }, 'f:spec': { 'f:containers': {} } }, manager: 'skiff-controller-manager', operation: 'Update', time: t },
        { apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:startTime': {} } }, manager: 'skiff-hollow-nodes', operation: 'Update', subresource: 'status', time: t },
      ],
    },
    spec: {
      containers: [{ image: 'registry.k8s.io/pause:3.10', imagePullPolicy: 'IfNotPresent', name: 'app', resources: { requests: { cpu: '10m', memory: '10Mi' } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      nodeName: node,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 1,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    },
    status: {
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ lastTransitionTime: t, status: 'True', type })),
      containerStatuses: [{ containerID: `hollow://${uid}/app`, image: 'registry.k8s.io/pause:3.10', imageID: 'hollow://registry.k8s.io/pause:3.10', name: 'app', ready: true, restartCount: 0, started: true, state: { running: { startedAt: t } } }],
      hostIP: '172.16.0.157',
      hostIPs: [{ ip: '172.16.0.157' }],
      phase: 'Running',
      podIP: '100.64.156.2',
      podIPs: [{ ip: '100.64.156.2' }],
      qosClass: 'Burstable',
      startTime: t,
    },
  };
  return { key: `/registry/pods/${ns}/${name}`, value: JSON.stringify(pod) };
}

async function fill(dbPath: string, count: number): Promise<number> {
  const store = SqliteStore.open(dbPath);
  let bytes = 0;
  try {
    const namespaces = Math.ceil(count / PER_NAMESPACE);
    for (let n = 0; n < namespaces; n++) {
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}`, uid: randomUUID(), creationTimestamp: '2026-11-26T15:00:00Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
      await store.create(`/registry/namespaces/bench-${n}`, JSON.stringify(ns));
    }
    let next = 0;
    const writer = async () => {
      while (next < count) {
        const { key, value } = podJson(next++);
        bytes += value.length;
        await store.create(key, value);
      }
    };
    await Promise.all(Array.from({ length: 500 }, writer));
  } finally {
    await store.close();
  }
  return bytes / count;
}

async function procStatus(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
}

/** Starts `bin/skiff apiserver` on `dataDir`; resolves once it serves, with the seconds that took. */
async function startApiServer(dataDir: string): Promise<{ child: ChildProcess; port: number; seconds: number }> {
  const port = await freePort('127.0.0.1');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...skiffNodeFlags(), '--max-old-space-size=8192', path.join(REPO_ROOT, 'bin', 'skiff'), 'apiserver', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('control plane ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`apiserver exited ${code}`)));
  });
  return { child, port, seconds: (performance.now() - t0) / 1000 };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function timed(client: AdminClient, urlPath: string): Promise<{ ms: number; body: { metadata?: { continue?: string; resourceVersion?: string }; items?: unknown[] } }> {
  const t0 = performance.now();
  const res = await client.request('GET', urlPath);
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${urlPath}: ${res.status} ${res.body.slice(0, 300)}`);
  return { ms, body: JSON.parse(res.body) };
}

/** Every page of all pods; `exact` pins each first page to that older revision (the store's path). */
async function walk(client: AdminClient, exact?: string): Promise<{ seconds: number; pages: number[]; items: number }> {
  const pages: number[] = [];
  let items = 0;
  let token: string | undefined;
  const t0 = performance.now();
  do {
    const q = token ? `continue=${encodeURIComponent(token)}` : exact ? `resourceVersion=${exact}&resourceVersionMatch=Exact` : '';
    const { ms, body } = await timed(client, `/api/v1/pods?limit=500${q ? `&${q}` : ''}`);
    pages.push(ms);
    items += body.items?.length ?? 0;
    token = body.metadata?.continue || undefined;
  } while (token);
  return { seconds: (performance.now() - t0) / 1000, pages: pages.sort((a, b) => a - b), items };
}

async function sample(times: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await fn());
  return out.sort((a, b) => a - b);
}

const fmt = (sorted: number[]) => `p50 ${quantile(sorted, 0.5).toFixed(0).padStart(6)} ms  p99 ${quantile(sorted, 0.99).toFixed(0).padStart(6)} ms`;

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-read-path-'));
  const children: ChildProcess[] = [];
  const out: string[] = [];
  try {
    const empty = await startApiServer(path.join(root, 'empty'));
    children.push(empty.child);
    await new Promise((r) => setTimeout(r, 2000));
    const emptyRss = await procStatus(empty.child.pid!, 'VmRSS');
    await stop(empty.child);

    const dataDir = path.join(root, 'full');
    log(`filling the store with ${POD_COUNT} pods`);
    const t0 = performance.now();
    const podBytes = await fill(path.join(dataDir, 'server', 'state.db'), POD_COUNT);
    log(`  filled in ${((performance.now() - t0) / 1000).toFixed(0)} s (${podBytes.toFixed(0)} bytes of JSON per pod)`);
    const api = await startApiServer(dataDir);
    children.push(api.child);
    const rss = await procStatus(api.child.pid!, 'VmRSS');
    out.push(`api server start-up with ${POD_COUNT} pods: ${api.seconds.toFixed(1)} s; RSS ${rss.toFixed(0)} MiB (empty server ${emptyRss.toFixed(0)} MiB): ${(((rss - emptyRss) * 1024 * 1024) / POD_COUNT).toFixed(0)} bytes per pod held (${podBytes.toFixed(0)} bytes of JSON each)`);

    const client = await adminClient(path.join(dataDir, 'kubeconfig.yaml'), 64);
    const rest = await RestClient.fromKubeconfig(path.join(dataDir, 'kubeconfig.yaml'), { userAgent: 'bench-read-path' });
    const first = await timed(client, '/api/v1/pods?limit=1');
    const oldRevision = first.body.metadata!.resourceVersion!;
    // One write so the cache (and the store's latest) move past `oldRevision`.
    await client.request('POST', '/api/v1/namespaces/bench-0/configmaps', { metadata: { name: 'moved-on' } });

    const cached = await walk(client);
    out.push(`LIST all pods, pages of 500, served from memory: ${cached.items} pods in ${cached.seconds.toFixed(1)} s; per page ${fmt(cached.pages)}   (upstream SLO p99 ≤ 30000 ms per call)`);
    const stored = await walk(client, oldRevision);
    out.push(`LIST all pods, pages of 500, from the store:      ${stored.items} pods in ${stored.seconds.toFixed(1)} s; per page ${fmt(stored.pages)}   (the path every list took before)`);

    const nsCached = await sample(10, async () => (await timed(client, '/api/v1/namespaces/bench-1/pods')).ms);
    const nsStored = await sample(10, async () => (await timed(client, `/api/v1/namespaces/bench-1/pods?resourceVersion=${oldRevision}&resourceVersionMatch=Exact`)).ms);
    out.push(`LIST one namespace (${PER_NAMESPACE} pods): memory ${fmt(nsCached)}; store ${fmt(nsStored)}   (upstream SLO p99 ≤ 5000 ms)`);
    const sel = 'fieldSelector=spec.nodeName%3Dhollow-7';
    const nodeCached = await sample(10, async () => (await timed(client, `/api/v1/pods?${sel}`)).ms);
    const nodeStored = await sample(10, async () => (await timed(client, `/api/v1/pods?${sel}&resourceVersion=${oldRevision}&resourceVersionMatch=Exact`)).ms);
    out.push(`LIST pods of one node (spec.nodeName, all namespaces): memory ${fmt(nodeCached)}; store ${fmt(nodeStored)}   (upstream SLO p99 ≤ 30000 ms)`);

    // Watch fan-out: kubelet-style watches, one node each, then status updates of pods on watched nodes.
    const watchers = Math.min(WATCHERS, Math.ceil(POD_COUNT / PER_NODE));
    let delivered = 0;
    const closers: (() => void)[] = [];
    let opened = 0;
    for (let w = 0; w < watchers; w++) {
      closers.push(
        client.stream(`/api/v1/pods?watch=true&resourceVersion=${oldRevision}&fieldSelector=spec.nodeName%3Dhollow-${w}`, {
          onResponse: () => opened++,
          onData: (chunk) => (delivered += chunk.split('\n').length - 1),
          onError: () => {},
        }),
      );
    }
    while (opened < watchers) await new Promise((r) => setTimeout(r, 50));
    const cpu0 = await cpuSeconds(api.child.pid!);
    const u0 = performance.now();
    const patches: number[] = [];
    const patchOne = async (n: number) => {
      const i = (n * PER_NODE) % Math.min(POD_COUNT, watchers * PER_NODE);
      const { key } = podJson(i);
      const [, , , ns, name] = key.split('/');
      const t = performance.now();
      await rest.patchStatus(PODS, ns, name, { status: { message: `update ${n}` } }, 'merge');
      patches.push(performance.now() - t);
    };
    let n = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (n < UPDATES) await patchOne(n++);
    }));
    while (delivered < UPDATES && performance.now() - u0 < 120_000) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - u0) / 1000;
    const cpu = (await cpuSeconds(api.child.pid!)) - cpu0;
    for (const close of closers) close();
    patches.sort((a, b) => a - b);
    out.push(`watch fan-out: ${watchers} watchers (one node each), ${UPDATES} pod status PATCHes: all ${delivered} events delivered in ${seconds.toFixed(1)} s; API server CPU ${((cpu * 1000) / UPDATES).toFixed(2)} ms per update; PATCH ${fmt(patches)}   (upstream SLO p99 ≤ 1000 ms)`);
    out.push(`peak RSS of the API server: ${(await procStatus(api.child.pid!, 'VmHWM')).toFixed(0)} MiB   (target ≤ 4096 MiB)`);
    client.close();
    rest.close();
  } finally {
    for (const c of children) await stop(c).catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
  console.log(`\nread-path benchmark: ${POD_COUNT} pods, ${os.cpus().length} cores (shared)`);
  for (const line of out) console.log(`  ${line}`);
}

await main();
