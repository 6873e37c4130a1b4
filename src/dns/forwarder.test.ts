import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { answerData, queryDns } from './dns-client.test-support.ts';
import { listenDns, type DnsServer } from './dns-server.ts';
import { Forwarder, ForwardError } from './forwarder.ts';
import { CLASS_IN, RCode, RRType, responseTo } from './message.ts';
import { createQueryHandler, type QueryHandler } from './query-handler.ts';
import { encodeMessage } from './wire.ts';
import type { ClusterView } from './cluster-zone.ts';

/** A fake upstream: `many.example` has 60 addresses (too many for 512 bytes), `silent.example` never answers. */
const upstreamHandler: QueryHandler = async (query) => {
  const q = query.questions[0];
  if (q.name === 'silent.example') return new Promise(() => {});
  const message = responseTo(query, RCode.NoError);
  const count = q.name === 'many.example' ? 60 : 1;
  message.answers = Array.from({ length: count }, (_, i) => ({ name: q.name, type: RRType.A, class: CLASS_IN, ttl: 60, data: { kind: 'address' as const, address: `192.0.2.${i + 1}` } }));
  return { message };
};

const emptyView: ClusterView = {
  hasSynced: () => true,
  namespaceExists: () => false,
  service: () => undefined,
  endpointSlices: () => [],
  ownersOfAddress: () => ({ services: [], endpoints: [] }),
  nameserverAddresses: () => [],
  serial: () => 1,
};

describe('forwarding', () => {
  let upstream: DnsServer;
  let refused: DnsServer;
  before(async () => {
    upstream = await listenDns({ address: '127.0.0.1', port: 0 }, upstreamHandler);
    refused = await listenDns({ address: '127.0.0.1', port: 0 }, upstreamHandler);
    // A closed port: queries there meet ICMP port unreachable.
    await refused.close();
  });
  after(() => upstream.close());

  test('relays the upstream answer', async () => {
    const forwarder = new Forwarder({ upstreams: [upstream.address] });
    const query = { header: { id: 7, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 }, questions: [{ name: 'one.example', type: RRType.A, class: CLASS_IN }], answers: [], authorities: [], additionals: [] };
    const server = await listenDns({ address: '127.0.0.1', port: 0 }, createQueryHandler({ view: emptyView, zone: 'cluster.local', forwarder }));
    try {
      assert.deepEqual(answerData(await queryDns(server.address, 'one.example', 'A')), ['192.0.2.1']);
      assert.ok((await forwarder.forward(encodeMessage(query))).length > 12);
    } finally {
      await server.close();
    }
  });

  test('a truncated UDP answer is fetched again over TCP, then truncated for a 512-byte client and whole over TCP', async () => {
    const server = await listenDns({ address: '127.0.0.1', port: 0 }, createQueryHandler({ view: emptyView, zone: 'cluster.local', forwarder: new Forwarder({ upstreams: [upstream.address] }) }));
    try {
      const udp = await queryDns(server.address, 'many.example', 'A');
      assert.equal(udp.header.tc, true);
      const tcp = await queryDns(server.address, 'many.example', 'A', { transport: 'tcp' });
      assert.equal(tcp.header.tc, false);
      assert.equal(tcp.answers.length, 60);
    } finally {
      await server.close();
    }
  });

  test('the next upstream is tried when one refuses', async () => {
    const forwarder = new Forwarder({ upstreams: [refused.address, upstream.address] });
    const server = await listenDns({ address: '127.0.0.1', port: 0 }, createQueryHandler({ view: emptyView, zone: 'cluster.local', forwarder }));
    try {
      assert.deepEqual(answerData(await queryDns(server.address, 'one.example', 'A')), ['192.0.2.1']);
    } finally {
      await server.close();
    }
  });

  test('no answer within the deadline is SERVFAIL', async () => {
    const forwarder = new Forwarder({ upstreams: [upstream.address], timeoutMs: 200 });
    const server = await listenDns({ address: '127.0.0.1', port: 0 }, createQueryHandler({ view: emptyView, zone: 'cluster.local', forwarder }));
    try {
      const answer = await queryDns(server.address, 'silent.example', 'A');
      assert.equal(answer.header.rcode, RCode.ServFail);
      await assert.rejects(forwarder.forward(encodeMessage({ ...answer, header: { ...answer.header, qr: false } })), ForwardError);
    } finally {
      await server.close();
    }
  });

  test('no upstreams at all is SERVFAIL', async () => {
    const server = await listenDns({ address: '127.0.0.1', port: 0 }, createQueryHandler({ view: emptyView, zone: 'cluster.local', forwarder: new Forwarder({ upstreams: [] }) }));
    try {
      assert.equal((await queryDns(server.address, 'one.example', 'A')).header.rcode, RCode.ServFail);
    } finally {
      await server.close();
    }
  });
});
