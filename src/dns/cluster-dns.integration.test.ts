import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { InformerFactory, isNotFound } from '../client/index.ts';
import { startClusterDns, type RunningClusterDns } from './cluster-dns.ts';
import { answerData, queryDns } from './dns-client.test-support.ts';
import { listenDns, type DnsServer } from './dns-server.ts';
import { ListenAbortedError } from './listen-retry.ts';
import type { DnsEndpoint } from './exchange.ts';
import { CLASS_IN, RCode, RRType, responseTo } from './message.ts';

const run = promisify(execFile);
const NODES = findResource('', 'v1', 'nodes')!;
const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

/** Knows `example.com` (one address) and nothing else. */
async function fakeUpstream(): Promise<DnsServer> {
  return listenDns({ address: '127.0.0.1', port: 0 }, async (query) => {
    const q = query.questions[0];
    const known = q.name.toLowerCase() === 'example.com' && q.type === RRType.A;
    const message = responseTo(query, known ? RCode.NoError : RCode.NXDomain);
    if (known) message.answers = [{ name: q.name, type: RRType.A, class: CLASS_IN, ttl: 60, data: { kind: 'address', address: '192.0.2.10' } }];
    return { message };
  });
}

function slice(name: string, service: string, endpoints: EndpointSlice['endpoints']): EndpointSlice {
  return {
    metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'test' } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  };
}

describe('cluster DNS against a real API server', () => {
  let cluster: TestCluster;
  let upstream: DnsServer;
  let dns: RunningClusterDns | undefined;
  let server: DnsEndpoint;
  // A podCIDR in 127/8: its gateway is an address of this host with no network set-up at all.
  const octets = [100 + Math.floor(Math.random() * 150), Math.floor(Math.random() * 250)];
  const podCIDR = `127.${octets[0]}.${octets[1]}.0/24`;
  const gateway = `127.${octets[0]}.${octets[1]}.1`;
  const nodeName = `dns-node-${process.pid}`;

  before(async () => {
    cluster = await startTestCluster();
    upstream = await fakeUpstream();
    await cluster.client.create<Node>(NODES, { metadata: { name: nodeName }, spec: { podCIDR, podCIDRs: [podCIDR] } });
    await cluster.client.create<Service>(SERVICES, { metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    await cluster.client.create<Service>(SERVICES, { metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
    await cluster.client.create<Service>(SERVICES, { metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    await cluster.client.create<Service>(SERVICES, { metadata: { name: 'alias', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' } });
    await cluster.client.create<EndpointSlice>(SLICES, slice('db-1', 'db', [
      { addresses: ['10.42.0.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.42.0.6'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.42.0.7'], hostname: 'db-2', conditions: { ready: false } },
    ]));
    await cluster.client.create<EndpointSlice>(SLICES, slice('many-1', 'many', Array.from({ length: 80 }, (_, i) => ({ addresses: [`10.42.1.${i + 1}`] }))));
    await cluster.client.create<Service>(SERVICES, { metadata: { name: 'many', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
    dns = await startClusterDns({ client: cluster.client, nodeName, upstreams: [upstream.address] });
    server = await dns.listening;
  });

  after(async () => {
    await dns?.stop();
    await upstream?.close();
    await cluster?.cleanup();
  });

  const ip = async (name: string) => answerData(await queryDns(server, name, 'A'));

  test('listens on the node gateway, port 53', () => assert.deepEqual(server, { address: gateway, port: 53 }));

  test('the kube-dns Service holds the cluster DNS address', async () => {
    const svc = await cluster.client.get<Service>(SERVICES, 'kube-system', 'kube-dns');
    assert.equal(svc.spec?.clusterIP, '10.43.0.10');
    assert.equal(svc.spec?.internalTrafficPolicy, 'Local');
    assert.deepEqual(svc.spec?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), ['dns/UDP/53', 'dns-tcp/TCP/53']);
    await waitFor('ns.dns answer', async () => (await ip('ns.dns.cluster.local')).join() === '10.43.0.10');
  });

  test('a Service resolves to its ClusterIP, over UDP and TCP', async () => {
    const web = await cluster.client.get<Service>(SERVICES, 'default', 'web');
    await waitFor('web in DNS', async () => (await ip('web.default.svc.cluster.local')).join() === web.spec?.clusterIP);
    const tcp = await queryDns(server, 'web.default.svc.cluster.local', 'A', { transport: 'tcp' });
    assert.equal(tcp.header.aa, true);
    assert.deepEqual(answerData(tcp), [web.spec?.clusterIP]);
    assert.deepEqual(answerData(await queryDns(server, '_http._tcp.web.default.svc.cluster.local', 'SRV')), ['80 web.default.svc.cluster.local']);
  });

  test('a Service created later is found, and a deleted one is gone', async () => {
    await cluster.client.create<Service>(SERVICES, { metadata: { name: 'late', namespace: 'default' }, spec: { ports: [{ port: 8080 }] } });
    await waitFor('late in DNS', async () => (await ip('late.default.svc.cluster.local')).length === 1);
    await cluster.client.delete(SERVICES, 'default', 'late');
    await waitFor('late gone', async () => (await queryDns(server, 'late.default.svc.cluster.local', 'A')).header.rcode === RCode.NXDomain);
  });

  test('a headless Service resolves to its ready endpoints, and hostnames to each', async () => {
    await waitFor('db in DNS', async () => (await ip('db.default.svc.cluster.local')).sort().join() === '10.42.0.5,10.42.0.6');
    assert.deepEqual(await ip('db-1.db.default.svc.cluster.local'), ['10.42.0.6']);
    assert.deepEqual(answerData(await queryDns(server, '_pg._tcp.db.default.svc.cluster.local', 'SRV')).sort(), ['5432 db-0.db.default.svc.cluster.local', '5432 db-1.db.default.svc.cluster.local']);
  });

  test('an answer too big for 512 bytes is truncated over UDP and whole over TCP', async () => {
    await waitFor('many in DNS', async () => (await queryDns(server, 'many.default.svc.cluster.local', 'A', { transport: 'tcp' })).answers.length === 80);
    const udp = await queryDns(server, 'many.default.svc.cluster.local', 'A');
    assert.equal(udp.header.tc, true);
    assert.ok(udp.answers.length < 80);
  });

  test('missing names are NXDOMAIN with the SOA, existing ones without the type NOERROR', async () => {
    const missing = await queryDns(server, 'nope.default.svc.cluster.local', 'A');
    assert.equal(missing.header.rcode, RCode.NXDomain);
    assert.equal(missing.authorities[0]?.type, RRType.SOA);
    const aaaa = await queryDns(server, 'web.default.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.header.rcode, RCode.NoError);
    assert.equal(aaaa.answers.length, 0);
  });

  test('pods by dashed address; other names forwarded; ExternalName followed upstream or in the cluster', async () => {
    assert.deepEqual(await ip('10-42-0-9.default.pod.cluster.local'), ['10.42.0.9']);
    assert.deepEqual(await ip('example.com'), ['192.0.2.10']);
    assert.equal((await queryDns(server, 'unknown.example', 'A')).header.rcode, RCode.NXDomain);
    const ext = await queryDns(server, 'ext.default.svc.cluster.local', 'A');
    assert.deepEqual(answerData(ext), ['example.com', '192.0.2.10']);
    const web = await cluster.client.get<Service>(SERVICES, 'default', 'web');
    assert.deepEqual(answerData(await queryDns(server, 'alias.default.svc.cluster.local', 'A')), ['web.default.svc.cluster.local', web.spec?.clusterIP]);
  });

  test('busybox nslookup resolves through it', async () => {
    const { stdout } = await run('/bin/busybox', ['nslookup', 'db-0.db.default.svc.cluster.local', gateway], { timeout: 20_000 });
    assert.match(stdout, /Address: 10\.42\.0\.5/);
    const forwarded = await run('/bin/busybox', ['nslookup', '-type=a', 'example.com', gateway], { timeout: 20_000 });
    assert.match(forwarded.stdout, /Address: 192\.0\.2\.10/);
  });

  test('a node without a podCIDR yet: listens once it gets one (on shared informers); stopping first gives up cleanly', async () => {
    const waiting = `dns-later-${process.pid}`;
    await cluster.client.create<Node>(NODES, { metadata: { name: waiting } });
    const informers = new InformerFactory(cluster.client);
    informers.start();
    const later = await startClusterDns({ client: cluster.client, informers, nodeName: waiting, upstreams: [upstream.address] });
    try {
      const cidr = `127.${octets[0]}.${(octets[1] + 1) % 250}.0/24`;
      const node = await cluster.client.get<Node>(NODES, undefined, waiting);
      await cluster.client.update<Node>(NODES, { ...node, spec: { ...node.spec, podCIDR: cidr, podCIDRs: [cidr] } });
      const listening = await later.listening;
      assert.deepEqual(listening, { address: cidr.replace(/0\/24$/, '1'), port: 53 });
      const web = await cluster.client.get<Service>(SERVICES, 'default', 'web');
      await waitFor('web through the shared informers', async () => answerData(await queryDns(listening, 'web.default.svc.cluster.local', 'A')).join() === web.spec?.clusterIP);
    } finally {
      await later.stop();
      informers.stop();
    }
    const never = await startClusterDns({ client: cluster.client, nodeName: `dns-never-${process.pid}`, upstreams: [upstream.address] });
    await never.stop();
    await assert.rejects(never.listening, ListenAbortedError);
  });

  test('publishes its EndpointSlice behind kube-dns, restores it when deleted, removes it on stop', async () => {
    const name = `kube-dns-${nodeName}`;
    const get = () => cluster.client.get<EndpointSlice>(SLICES, 'kube-system', name);
    await waitFor('the DNS EndpointSlice', async () => (await get().catch(() => undefined)) !== undefined);
    const published = await get();
    const node = await cluster.client.get<Node>(NODES, undefined, nodeName);
    assert.equal(published.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.equal(published.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'skiff-dns');
    assert.deepEqual(published.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}/${o.uid}`), [`Node/${nodeName}/${node.metadata?.uid}`]);
    assert.deepEqual(published.endpoints.map((e) => [e.addresses, e.nodeName, e.conditions?.ready]), [[[gateway], nodeName, true]]);
    assert.deepEqual(published.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), ['dns/UDP/53', 'dns-tcp/TCP/53']);

    await cluster.client.delete(SLICES, 'kube-system', name);
    await waitFor('the slice back', async () => {
      const back = await get().catch(() => undefined);
      return back !== undefined && back.metadata?.uid !== published.metadata?.uid;
    });

    await dns!.stop();
    dns = undefined;
    await assert.rejects(get(), (err) => isNotFound(err));
  });
});
