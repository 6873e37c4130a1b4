/**
 * The DNS wire format (RFC 1035 §4, RFC 6891 for OPT): `decodeMessage` turns a packet into a
 * {@link Message} or throws {@link DnsFormatError} — never anything else, whatever the bytes —
 * and `encodeMessage` writes one back with name compression, dropping records from the end when
 * a size limit is given (setting TC when an answer or authority record had to go).
 */
import { RRType, type Header, type Message, type Question, type RecordData, type ResourceRecord } from './message.ts';

/** The packet is not a well-formed DNS message; a server answers FORMERR. */
export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsFormatError';
  }
}

const MAX_NAME_LENGTH = 255;
const MAX_LABEL_LENGTH = 63;
const HEADER_SIZE = 12;

/** Reads the 16-bit id of a packet too broken to decode, so a FORMERR can still be matched to it. */
export function peekId(packet: Uint8Array): number | undefined {
  return packet.length >= 2 ? (packet[0] << 8) | packet[1] : undefined;
}

// --- names in presentation form ---

function escapeLabel(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b < 0x21 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Splits a presentation-form name into its labels' bytes (escapes undone, a trailing dot allowed). */
export function nameLabels(name: string): Uint8Array[] {
  const labels: Uint8Array[] = [];
  let current: number[] = [];
  let i = 0;
  const text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (text === '') return labels;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const digits = /^\d{3}/.exec(text.slice(i + 1));
      if (digits) {
        current.push(Number(digits[0]) & 0xff);
        i += 4;
      } else {
        current.push(text.charCodeAt(i + 1) & 0xff);
        i += 2;
      }
      continue;
    }
    if (c === 0x2e) {
      labels.push(Uint8Array.from(current));
      current = [];
    } else {
      current.push(c & 0xff);
    }
    i++;
  }
  labels.push(Uint8Array.from(current));
  for (const l of labels) {
    if (l.length === 0 || l.length > MAX_LABEL_LENGTH) throw new RangeError(`invalid DNS name ${JSON.stringify(name)}: labels must be 1 to 63 bytes`);
  }
  return labels;
}

// --- decoding ---

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new DnsFormatError(`message ends inside ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }
  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = ((this.buf[this.pos] << 24) >>> 0) + ((this.buf[this.pos + 1] << 16) | (this.buf[this.pos + 2] << 8) | this.buf[this.pos + 3]);
    this.pos += 4;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A possibly compressed name; every pointer must go strictly backwards, so none can loop. */
  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let lowest = pos;
    let jumped = false;
    let length = 1;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsFormatError('message ends inside a name');
      const len = this.buf[pos];
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsFormatError('message ends inside a compression pointer');
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1];
        if (!jumped) this.pos = pos + 2;
        if (target >= lowest) throw new DnsFormatError('compression pointer does not point backwards');
        lowest = target;
        pos = target;
        jumped = true;
        continue;
      }
      if (len & 0xc0) throw new DnsFormatError('unknown label type');
      if (len === 0) {
        if (!jumped) this.pos = pos + 1;
        return labels.join('.');
      }
      if (pos + 1 + len > this.buf.length) throw new DnsFormatError('message ends inside a label');
      length += len + 1;
      if (length > MAX_NAME_LENGTH) throw new DnsFormatError('name longer than 255 bytes');
      labels.push(escapeLabel(this.buf.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
  }
}

function decodeHeader(r: Reader): Header & { counts: number[] } {
  const id = r.u16('the header');
  const flags = r.u16('the header');
  const counts = [r.u16('the header'), r.u16('the header'), r.u16('the header'), r.u16('the header')];
  return {
    id,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    counts,
  };
}

function decodeData(r: Reader, type: number, length: number): RecordData {
  const end = r.pos + length;
  r.need(length, 'record data');
  let data: RecordData;
  switch (type) {
    case RRType.A:
      if (length !== 4) throw new DnsFormatError(`A record data of ${length} bytes`);
      data = { kind: 'address', address: Array.from(r.bytes(4, 'an address')).join('.') };
      break;
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      data = { kind: 'name', target: r.name() };
      break;
    case RRType.SOA:
      data = { kind: 'soa', mname: r.name(), rname: r.name(), serial: r.u32('SOA'), refresh: r.u32('SOA'), retry: r.u32('SOA'), expire: r.u32('SOA'), minimum: r.u32('SOA') };
      break;
    case RRType.SRV:
      data = { kind: 'srv', priority: r.u16('SRV'), weight: r.u16('SRV'), port: r.u16('SRV'), target: r.name() };
      break;
    case RRType.MX:
      data = { kind: 'mx', preference: r.u16('MX'), exchange: r.name() };
      break;
    case RRType.TXT: {
      const strings: string[] = [];
      while (r.pos < end) {
        const n = r.u8('TXT');
        strings.push(Buffer.from(r.bytes(n, 'TXT')).toString('latin1'));
      }
      data = { kind: 'txt', strings };
      break;
    }
    default:
      data = { kind: 'raw', bytes: r.bytes(length, 'record data') };
  }
  if (r.pos !== end) throw new DnsFormatError(`${type} record data is not ${length} bytes long`);
  return data;
}

function decodeRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16('a record');
  const klass = r.u16('a record');
  const ttl = r.u32('a record');
  const length = r.u16('a record');
  return { name, type, class: klass, ttl, data: decodeData(r, type, length) };
}

/** Decodes one message; trailing bytes after the last record are a format error too. */
export function decodeMessage(packet: Uint8Array): Message {
  const r = new Reader(packet);
  if (packet.length < HEADER_SIZE) throw new DnsFormatError('message shorter than its header');
  const { counts, ...header } = decodeHeader(r);
  // Each question takes at least 5 bytes and each record 11: reject absurd counts before looping.
  if (counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 > packet.length - HEADER_SIZE) throw new DnsFormatError('section counts exceed the message');
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16('a question'), class: r.u16('a question') });
  const sections: ResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) for (let i = 0; i < counts[s + 1]; i++) sections[s].push(decodeRecord(r));
  if (r.pos !== packet.length) throw new DnsFormatError('bytes after the last record');
  return { header, questions, answers: sections[0], authorities: sections[1], additionals: sections[2] };
}

// --- encoding ---

class Writer {
  buf = Buffer.alloc(512);
  pos = 0;
  /** Lower-cased name suffix → offset of its first occurrence (for compression pointers). */
  names = new Map<string, number>();

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  name(name: string, compress = true): void {
    const labels = nameLabels(name);
    if (labels.reduce((n, l) => n + l.length + 1, 1) > MAX_NAME_LENGTH) throw new RangeError(`invalid DNS name ${JSON.stringify(name)}: longer than 255 bytes`);
    const lowered = labels.map((l) => Buffer.from(l).toString('latin1').toLowerCase());
    for (let i = 0; i < labels.length; i++) {
      const key = lowered.slice(i).join('\u0000');
      const at = compress ? this.names.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos < 0x4000) this.names.set(key, this.pos);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }
  /** Forgets everything written from `pos` on (a record that did not fit). */
  truncate(pos: number): void {
    this.pos = pos;
    for (const [key, at] of this.names) if (at >= pos) this.names.delete(key);
  }
}

function encodeData(w: Writer, rr: ResourceRecord): void {
  const d = rr.data;
  switch (d.kind) {
    case 'address': {
      const parts = d.address.split('.').map(Number);
      if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`invalid IPv4 address ${d.address}`);
      w.bytes(Uint8Array.from(parts));
      return;
    }
    case 'name':
      w.name(d.target);
      return;
    case 'soa':
      w.name(d.mname);
      w.name(d.rname);
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
      return;
    case 'srv':
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      // RFC 2782: the SRV target is not compressed.
      w.name(d.target, false);
      return;
    case 'mx':
      w.u16(d.preference);
      w.name(d.exchange);
      return;
    case 'txt':
      for (const s of d.strings) {
        const b = Buffer.from(s, 'latin1');
        if (b.length > 255) throw new RangeError('TXT strings are at most 255 bytes');
        w.u8(b.length);
        w.bytes(b);
      }
      return;
    case 'raw':
      w.bytes(d.bytes);
  }
}

function encodeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lengthAt = w.pos;
  w.u16(0);
  encodeData(w, rr);
  w.buf.writeUInt16BE(w.pos - lengthAt - 2, lengthAt);
}

/** How a message is encoded. */
export interface EncodeOptions {
  /** Largest packet allowed (UDP); records that do not fit are left out. Default: no limit. */
  maxSize?: number;
}

/**
 * Encodes `msg`. With `maxSize`, records are written in order until one does not fit; the rest
 * are dropped, and TC is set if an answer or authority record was among them. An OPT record
 * is always kept (its room is reserved first), as RFC 6891 asks.
 */
export function encodeMessage(msg: Message, options: EncodeOptions = {}): Uint8Array {
  const w = new Writer();
  const opt = msg.additionals.filter((r) => r.type === RRType.OPT).slice(0, 1);
  const additionals = msg.additionals.filter((r) => r.type !== RRType.OPT);
  const optSize = opt.length ? 11 + (opt[0].data.kind === 'raw' ? opt[0].data.bytes.length : 0) : 0;
  const limit = (options.maxSize ?? Infinity) - optSize;

  const h = msg.header;
  w.u16(h.id);
  const flagsAt = w.pos;
  w.u16(0);
  const countsAt = w.pos;
  w.bytes(new Uint8Array(8));
  for (const q of msg.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  const counts = [msg.questions.length, 0, 0, 0];
  const sections = [msg.answers, msg.authorities, additionals];
  fill: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]) {
      const before = w.pos;
      encodeRecord(w, rr);
      if (w.pos > limit) {
        w.truncate(before);
        break fill;
      }
      counts[s + 1]++;
    }
  }
  // Dropped additional records need no TC (RFC 2181 §9): the answer itself is complete.
  const truncated = counts[1] + counts[2] < msg.answers.length + msg.authorities.length;
  if (opt.length) {
    encodeRecord(w, opt[0]);
    counts[3]++;
  }
  const flags =
    (h.qr ? 0x8000 : 0) |
    ((h.opcode & 0xf) << 11) |
    (h.aa ? 0x0400 : 0) |
    (h.tc || truncated ? 0x0200 : 0) |
    (h.rd ? 0x0100 : 0) |
    (h.ra ? 0x0080 : 0) |
    (h.ad ? 0x0020 : 0) |
    (h.cd ? 0x0010 : 0) |
    (h.rcode & 0xf);
  w.buf.writeUInt16BE(flags, flagsAt);
  counts.forEach((c, i) => w.buf.writeUInt16BE(c, countsAt + 2 * i));
  return Uint8Array.from(w.buf.subarray(0, w.pos));
}
