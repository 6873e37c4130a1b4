import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLASS_IN, RCode, RRType, optRecord, responseTo, udpSizeLimit, type Message, type ResourceRecord } from './message.ts';
import { decodeMessage, DnsFormatError, encodeMessage, nameLabels } from './wire.ts';

function query(name: string, type: number, extra: Partial<Message> = {}): Message {
  return {
    header: { id: 0x1234, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name, type, class: CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: [],
    ...extra,
  };
}

const a = (name: string, address: string, ttl = 5): ResourceRecord => ({ name, type: RRType.A, class: CLASS_IN, ttl, data: { kind: 'address', address } });

/** A query for "web.default" type A, id 0xbeef, with one answer whose name is a pointer to offset 12. */
const handMade = Uint8Array.from([
  0xbe, 0xef, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
  3, 0x77, 0x65, 0x62, 7, 0x64, 0x65, 0x66, 0x61, 0x75, 0x6c, 0x74, 0, 0, 1, 0, 1,
  0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 43, 0, 7,
]);

describe('decodeMessage', () => {
  test('reads a response whose answer name is a compression pointer', () => {
    const m = decodeMessage(handMade);
    assert.equal(m.header.id, 0xbeef);
    assert.equal(m.header.qr, true);
    assert.equal(m.header.rd, true);
    assert.equal(m.header.ra, true);
    assert.deepEqual(m.questions, [{ name: 'web.default', type: RRType.A, class: CLASS_IN }]);
    assert.deepEqual(m.answers, [a('web.default', '10.43.0.7')]);
  });

  const malformed: Array<[string, number[]]> = [
    ['shorter than a header', [0, 1, 0, 0, 0]],
    ['a question count with no question', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]],
    ['a label running past the end', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61, 0, 0, 1, 0, 1]],
    ['a pointer to itself', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]],
    ['a pointer forwards', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 0x61, 0, 0, 1, 0, 1]],
    ['two pointers forming a loop', [0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0x61, 0xc0, 18, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1]],
    ['an unknown label type', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 1, 0, 1]],
    ['bytes after the last record', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 7]],
    ['an A record of 3 bytes', [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3]],
    ['record counts far beyond the packet', [0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0]],
    ['a name longer than 255 bytes', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...Array(5).fill([63, ...Array(63).fill(0x61)]).flat(), 0, 0, 1, 0, 1]],
  ];
  for (const [name, bytes] of malformed) {
    test(`rejects ${name} with DnsFormatError`, () => assert.throws(() => decodeMessage(Uint8Array.from(bytes)), DnsFormatError));
  }

  test('never throws anything but DnsFormatError on mangled packets', () => {
    const good = encodeMessage({ ...query('web.default.svc.cluster.local', RRType.SRV), answers: [a('web.default.svc.cluster.local', '10.43.0.7')], additionals: [optRecord()] });
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 5000; i++) {
      const packet = Uint8Array.from(good.subarray(0, Math.floor(random() * (good.length + 1))));
      for (let flips = Math.floor(random() * 4); flips > 0 && packet.length; flips--) packet[Math.floor(random() * packet.length)] = Math.floor(random() * 256);
      try {
        decodeMessage(packet);
      } catch (err) {
        assert.ok(err instanceof DnsFormatError, `packet ${Buffer.from(packet).toString('hex')} threw ${err}`);
      }
    }
  });
});

describe('encodeMessage', () => {
  test('round-trips every record kind', () => {
    const msg: Message = {
      ...responseTo(query('_http._tcp.web.default.svc.cluster.local', RRType.SRV), RCode.NoError, true),
      answers: [
        { name: '_http._tcp.web.default.svc.cluster.local', type: RRType.SRV, class: CLASS_IN, ttl: 5, data: { kind: 'srv', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' } },
        { name: 'alias.default.svc.cluster.local', type: RRType.CNAME, class: CLASS_IN, ttl: 5, data: { kind: 'name', target: 'example.com' } },
        { name: 'dns-version.cluster.local', type: RRType.TXT, class: CLASS_IN, ttl: 28800, data: { kind: 'txt', strings: ['1.1.0', ''] } },
        { name: 'example.com', type: RRType.MX, class: CLASS_IN, ttl: 60, data: { kind: 'mx', preference: 10, exchange: 'mail.example.com' } },
        { name: 'example.com', type: RRType.AAAA, class: CLASS_IN, ttl: 60, data: { kind: 'raw', bytes: new Uint8Array(16).fill(1) } },
      ],
      authorities: [
        { name: 'cluster.local', type: RRType.SOA, class: CLASS_IN, ttl: 30, data: { kind: 'soa', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 4294967295, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } },
      ],
      additionals: [a('web.default.svc.cluster.local', '10.43.0.7')],
    };
    assert.deepEqual(decodeMessage(encodeMessage(msg)), msg);
  });

  test('compresses a repeated name into a pointer to its first occurrence', () => {
    const msg = { ...responseTo(query('web.default.svc.cluster.local', RRType.A), RCode.NoError), answers: [a('Web.Default.svc.cluster.local', '10.0.0.1'), a('web.default.svc.cluster.local', '10.0.0.2')] };
    const packet = encodeMessage(msg);
    // header 12 + question (31 + 4) + two answers of (pointer 2 + 10 + 4): the names cost 2 bytes each.
    assert.equal(packet.length, 12 + 35 + 2 * 16);
    assert.deepEqual([...packet.subarray(47, 49)], [0xc0, 12]);
    assert.deepEqual(decodeMessage(packet).answers.map((r) => r.data), [{ kind: 'address', address: '10.0.0.1' }, { kind: 'address', address: '10.0.0.2' }]);
  });

  test('keeps labels with dots and odd bytes through escapes', () => {
    assert.deepEqual(nameLabels('a\\.b.c\\032d.'), [Uint8Array.from([0x61, 0x2e, 0x62]), Uint8Array.from([0x63, 0x20, 0x64])]);
    const msg = query('a\\.b.c\\032d', RRType.A);
    assert.equal(decodeMessage(encodeMessage(msg)).questions[0].name, 'a\\.b.c\\032d');
  });

  test('drops answers that do not fit and sets TC, but keeps the OPT record', () => {
    const q = query('many.default.svc.cluster.local', RRType.A, { additionals: [optRecord()] });
    const msg = { ...responseTo(q, RCode.NoError, true), answers: Array.from({ length: 100 }, (_, i) => a('many.default.svc.cluster.local', `10.42.0.${i + 1}`)) };
    const packet = encodeMessage(msg, { maxSize: 512 });
    assert.ok(packet.length <= 512);
    const back = decodeMessage(packet);
    assert.equal(back.header.tc, true);
    assert.ok(back.answers.length > 10 && back.answers.length < 100);
    assert.equal(back.additionals.at(-1)?.type, RRType.OPT);
    assert.equal(decodeMessage(encodeMessage(msg)).header.tc, false);
  });

  test('drops additional records that do not fit without setting TC', () => {
    const msg = { ...responseTo(query('x.cluster.local', RRType.SRV), RCode.NoError), additionals: Array.from({ length: 60 }, (_, i) => a(`host-${i}.cluster.local`, `10.42.0.${i + 1}`)) };
    const back = decodeMessage(encodeMessage(msg, { maxSize: 512 }));
    assert.equal(back.header.tc, false);
    assert.ok(back.additionals.length < 60);
  });
});

describe('udpSizeLimit', () => {
  const withOpt = (size: number) => query('x', RRType.A, { additionals: [{ ...optRecord(), class: size }] });
  for (const [name, msg, want] of [
    ['no EDNS0', query('x', RRType.A), 512],
    ['EDNS0 4096, capped at ours', withOpt(4096), 1232],
    ['EDNS0 below 512 counts as 512', withOpt(100), 512],
    ['EDNS0 1000', withOpt(1000), 1000],
  ] as const) {
    test(name, () => assert.equal(udpSizeLimit(msg), want));
  }
});
