/**
 * A highly available control plane as an operator builds one: three `skiff server` processes
 * on one three-member etcd, the first making the cluster, the others joining with its token.
 * Every server's credentials work against every server; a watch through one server sees every
 * write made through the others, in order; when the server leading the controllers is
 * killed, another takes the Lease and the cluster keeps converging; and the `kubernetes`
 * Service's endpoints list the servers alive. The servers share one port on distinct loopback
 * addresses, and advertise distinct documentation addresses (Endpoints refuse loopback ones).
 */
import { once } from 'node:events';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startEtcd } from '../../src/storage/etcd.test-support.ts';
import { deploymentManifest, makeTempDir, rawRequest, removeTempDir, spawnSkiff, stopChild, waitFor, type SkiffProcess } from './harness.ts';

const root = await makeTempDir('ha-servers');
const etcd = await startEtcd({ members: 3 });
const servers: Server[] = [];
after(async () => {
  await Promise.all(servers.map((s) => stopChild(s.process.child)));
  await etcd.stop();
  await removeTempDir(root);
});

interface Server {
  name: string;
  /** What it puts in the kubernetes Service's endpoints (--advertise-address). */
  advertise: string;
  process: SkiffProcess;
  url: string;
  kubeConfig: KubeConfig;
}

/**
 * Starts `skiff server` number `n` (no node) on its own data dir, listening on 127.0.0.n at
 * `port` (0: a free one) and advertising 192.0.2.n, and waits until it serves.
 */
async function startServer(name: string, n: number, options: { port: number; token?: string }): Promise<Server> {
  const dataDir = path.join(root, name);
  const advertise = `192.0.2.${n}`;
  const args = ['server', '--disable-agent', '--data-dir', dataDir, '--port', String(options.port), '--bind-address', `127.0.0.${n}`, '--advertise-address', advertise, '--datastore-endpoint', etcd.endpoint];
  const process = spawnSkiff(options.token ? [...args, '--token', options.token] : args);
  const server: Server = { name, advertise, process, url: '', kubeConfig: new KubeConfig() };
  servers.push(server);
  const out = await process.waitForOutput(/serving (https:\/\/\S+)/, 60_000);
  server.url = /serving (https:\/\/\S+)/.exec(out)![1];
  server.kubeConfig.loadFromFile(path.join(dataDir, 'kubeconfig.yaml'));
  return server;
}

/** `kc`'s credentials pointed at another server. */
function against(kc: KubeConfig, url: string): KubeConfig {
  const other = new KubeConfig();
  other.loadFromClusterAndUser({ ...kc.getCurrentCluster()!, server: url }, kc.getCurrentUser()!);
  return other;
}

const json = { 'Content-Type': 'application/json' };

async function create(kc: KubeConfig, urlPath: string, obj: object): Promise<any> {
  const res = await rawRequest(kc, 'POST', urlPath, { body: JSON.stringify(obj), headers: json });
  assert.equal(res.status, 201, res.body);
  return res.json;
}

interface WatchEvent {
  type: string;
  object: { metadata: { name: string; resourceVersion: string } };
}

/** A raw watch stream: collects events as they arrive until stopped. */
async function watch(kc: KubeConfig, urlPath: string): Promise<{ events: WatchEvent[]; stop(): void }> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const events: WatchEvent[] = [];
  let buffered = '';
  const req = https.get({ host: server.hostname, port: server.port, path: urlPath, ca: opts.ca, cert: opts.cert, key: opts.key, agent: false }, (res) => {
    res.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
    });
  });
  req.on('error', () => {});
  return { events, stop: () => req.destroy() };
}

async function leaseHolder(kc: KubeConfig, name: string): Promise<string> {
  const res = await rawRequest(kc, 'GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);
  return res.status === 200 ? (res.json.spec?.holderIdentity ?? '') : '';
}

/** The addresses the `kubernetes` Endpoints and EndpointSlice list (read through `kc`), with their ports. */
async function kubernetesEndpoints(kc: KubeConfig): Promise<{ endpoints: string; slice: string }> {
  const ep = await rawRequest(kc, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes');
  const slice = await rawRequest(kc, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes');
  const ports = (list: { port: number }[] | undefined) => (list ?? []).map((p) => p.port).join(',');
  return {
    endpoints: `${(ep.json?.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip)).join(' ')} :${ports(ep.json?.subsets?.[0]?.ports)}`,
    slice: `${(slice.json?.endpoints ?? []).filter((e: any) => e.conditions?.ready).flatMap((e: any) => e.addresses).join(' ')} :${ports(slice.json?.ports)}`,
  };
}

/** Waits until both the Endpoints and the EndpointSlice of `kubernetes` list exactly `expected`'s addresses on the servers' port. */
async function waitForKubernetesEndpoints(kc: KubeConfig, expected: Server[]): Promise<void> {
  const port = new URL(expected[0].url).port;
  const want = `${expected.map((s) => s.advertise).sort().join(' ')} :${port}`;
  let seen = { endpoints: '', slice: '' };
  await waitFor(async () => {
    seen = await kubernetesEndpoints(kc);
    return seen.endpoints === want && seen.slice === want;
  }, { timeoutMs: 60_000, message: () => `wanted ${want}; Endpoints list ${seen.endpoints}, the EndpointSlice ${seen.slice}` });
}

function alive(server: Server): boolean {
  return server.process.child.exitCode === null && server.process.child.signalCode === null;
}

/** The server whose log says it became leader under `identity`. */
function serverOf(identity: string): Server | undefined {
  return servers.find((s) => s.process.output().includes(`leader election: ${identity} became leader of kube-system/kube-controller-manager`));
}

test('three servers on one etcd act as one cluster', async (t) => {
  const first = await startServer('one', 1, { port: 0 });
  const token = await readFile(path.join(root, 'one', 'server', 'token'), 'utf8');
  // Every server on the first one's port, as upstream's endpoint reconciler assumes.
  const port = Number(new URL(first.url).port);
  const [second, third] = await Promise.all([startServer('two', 2, { port, token }), startServer('three', 3, { port, token })]);

  await t.test('every server trusts every server’s admin credentials', async () => {
    for (const from of servers) {
      for (const to of servers) {
        const res = await rawRequest(against(from.kubeConfig, to.url), 'GET', '/api/v1/namespaces/default');
        assert.equal(res.status, 200, `${from.name} → ${to.name}: ${res.body}`);
      }
    }
  });

  await t.test('the kubernetes Service’s endpoints list every server', async () => {
    for (const s of servers) await waitForKubernetesEndpoints(s.kubeConfig, servers);
  });

  await t.test('a watch through one server sees every write made through the others, in order', async () => {
    const ns = 'watched';
    await create(first.kubeConfig, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const list = await rawRequest(second.kubeConfig, 'GET', `/api/v1/namespaces/${ns}/configmaps`);
    const w = await watch(second.kubeConfig, `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${list.json.metadata.resourceVersion}`);
    t.after(() => w.stop());
    const expected: string[] = [];
    const revisions: number[] = [];
    for (let i = 0; i < 10; i++) {
      const writer = i % 2 === 0 ? first : third;
      const cm = await create(writer.kubeConfig, `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } });
      expected.push(`ADDED ${cm.metadata.name}`);
      revisions.push(Number(cm.metadata.resourceVersion));
      if (i % 3 === 0) {
        const del = await rawRequest(writer.kubeConfig, 'DELETE', `/api/v1/namespaces/${ns}/configmaps/cm-${i}`);
        assert.equal(del.status, 200, del.body);
        expected.push(`DELETED cm-${i}`);
      }
    }
    const seen = () => w.events.map((e) => `${e.type} ${e.object.metadata.name}`);
    await waitFor(() => seen().length >= expected.length, { timeoutMs: 30_000, message: () => `watch saw ${seen().join(', ')}` });
    assert.deepEqual(seen(), expected);
    // A delete answers with a Status, not a resourceVersion: the creates' are checked, and the order of all.
    const seenRevisions = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(w.events.filter((e) => e.type === 'ADDED').map((e) => Number(e.object.metadata.resourceVersion)), revisions);
    assert.deepEqual(seenRevisions, [...seenRevisions].sort((a, b) => a - b));
  });

  await t.test('when the leading server dies, another takes over and the cluster keeps converging', async () => {
    const holder = await waitFor(async () => {
      const identity = await leaseHolder(first.kubeConfig, 'kube-controller-manager');
      return identity && serverOf(identity) ? identity : undefined;
    }, { timeoutMs: 60_000, message: () => 'no server leads the controllers' });
    const leader = serverOf(holder)!;
    await stopChild(leader.process.child);
    const survivor = servers.find((s) => s !== leader)!;

    const next = await waitFor(async () => {
      const identity = await leaseHolder(survivor.kubeConfig, 'kube-controller-manager');
      // Its log line may arrive after the Lease shows it: wait for both.
      return identity && identity !== holder && serverOf(identity) ? identity : undefined;
    }, { timeoutMs: 60_000, message: () => 'the controllers Lease never moved' });
    assert.ok(serverOf(next) && serverOf(next) !== leader, `${next} is a surviving server`);

    const ns = 'after-failover';
    await create(survivor.kubeConfig, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await create(survivor.kubeConfig, `/apis/apps/v1/namespaces/${ns}/deployments`, deploymentManifest('web', 'busybox', 2));
    const other = servers.find((s) => s !== leader && s !== survivor)!;
    await waitFor(async () => {
      const pods = await rawRequest(other.kubeConfig, 'GET', `/api/v1/namespaces/${ns}/pods`);
      return pods.json?.items?.length === 2;
    }, { timeoutMs: 60_000, message: () => 'the Deployment never got its 2 pods' });
  });

  await t.test('a server that dies drops out of the endpoints once its lease expires', async () => {
    // The leading server was killed (SIGKILL) above: it could not take itself out.
    const living = servers.filter(alive);
    assert.equal(living.length, 2);
    await waitForKubernetesEndpoints(living[0].kubeConfig, living);
  });

  await t.test('a server that stops drops out of the endpoints, and the last one stays listed', async () => {
    const [stopping, last] = servers.filter(alive);
    stopping.process.child.kill('SIGTERM');
    await once(stopping.process.child, 'exit');
    assert.match(stopping.process.output(), /SIGTERM received, stopping/);
    await waitForKubernetesEndpoints(last.kubeConfig, [last]);
  });
});
