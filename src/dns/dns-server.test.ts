import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { listenDns, type DnsServer } from './dns-server.ts';
import { exchangeUdp } from './exchange.ts';
import { CLASS_IN, RCode, RRType, responseTo, type Message } from './message.ts';
import type { QueryHandler } from './query-handler.ts';
import { decodeMessage, encodeMessage } from './wire.ts';

/** Answers every A question with 10.0.0.<id>; fails on id 13. */
const handler: QueryHandler = async (query) => {
  if (query.header.id === 13) throw new Error('a bug');
  const message = responseTo(query, RCode.NoError);
  message.answers = [{ name: query.questions[0].name, type: RRType.A, class: CLASS_IN, ttl: 5, data: { kind: 'address', address: `10.0.0.${query.header.id & 0xff}` } }];
  return { message };
};

function query(id: number, extra: Partial<Message['header']> = {}, questions = 1): Uint8Array {
  return encodeMessage({
    header: { id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0, ...extra },
    questions: Array.from({ length: questions }, (_, i) => ({ name: `q${i}.example`, type: RRType.A, class: CLASS_IN })),
    answers: [],
    authorities: [],
    additionals: [],
  });
}

describe('listenDns', () => {
  let server: DnsServer;
  const errors: string[] = [];
  before(async () => (server = await listenDns({ address: '127.0.0.1', port: 0 }, handler, (line) => errors.push(line))));
  after(() => server.close());

  const cases: Array<[string, Uint8Array, number, boolean]> = [
    ['a query is answered', query(5), RCode.NoError, true],
    ['garbage after a header is FORMERR, id kept', Uint8Array.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0xff]), RCode.FormErr, false],
    ['two questions are FORMERR', query(10, {}, 2), RCode.FormErr, false],
    ['a non-QUERY opcode is NOTIMP', query(11, { opcode: 4 }), RCode.NotImp, false],
    ['a handler that fails gives SERVFAIL', query(13), RCode.ServFail, false],
  ];
  for (const [name, packet, rcode, answered] of cases) {
    test(name, async () => {
      const answer = decodeMessage(await exchangeUdp(packet, server.address, 5000));
      assert.equal(answer.header.id, (packet[0] << 8) | packet[1]);
      assert.equal(answer.header.qr, true);
      assert.equal(answer.header.rcode, rcode);
      assert.equal(answer.answers.length > 0, answered);
      if (rcode === RCode.ServFail) assert.deepEqual(errors, ['dns: answering over UDP: a bug']);
    });
  }

  test('TCP carries several queries on one connection, answered in order', async () => {
    const socket = connect(server.address.port, server.address.address);
    try {
      const frames = [1, 2, 3].map((id) => {
        const p = query(id);
        return Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p]);
      });
      // All three in one write, the last split in two: framing must not care how bytes arrive.
      const all = Buffer.concat(frames);
      socket.write(all.subarray(0, all.length - 5));
      socket.write(all.subarray(all.length - 5));
      const ids: number[] = [];
      let buffered = Buffer.alloc(0);
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('data', (chunk) => {
          buffered = Buffer.concat([buffered, chunk]);
          while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
            const length = buffered.readUInt16BE(0);
            ids.push(decodeMessage(buffered.subarray(2, 2 + length)).header.id);
            buffered = buffered.subarray(2 + length);
          }
          if (ids.length === 3) resolve();
        });
      });
      assert.deepEqual(ids, [1, 2, 3]);
    } finally {
      socket.destroy();
    }
  });
});
