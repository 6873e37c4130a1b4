/**
 * A DNS message as RFC 1035 lays it out (header, question, answer, authority, additional),
 * with names in presentation form ("web.default.svc.cluster.local", no trailing dot, the root
 * as ""). Record data is decoded for the types cluster DNS answers with; any other type is
 * carried as raw bytes so forwarded answers survive a decode and re-encode unchanged.
 */

/** Record types by their wire number. */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  ANY: 255,
} as const;

/** Response codes (the low four bits of the header; EDNS extends them, which we never need). */
export const RCode = {
  NoError: 0,
  FormErr: 1,
  ServFail: 2,
  NXDomain: 3,
  NotImp: 4,
  Refused: 5,
} as const;

/** The Internet class, the only one served. */
export const CLASS_IN = 1;

/** Opcode of an ordinary query; the only one served. */
export const OPCODE_QUERY = 0;

/** The message header's fields (the section counts follow from the sections). */
export interface Header {
  id: number;
  /** true in responses. */
  qr: boolean;
  opcode: number;
  /** Authoritative answer. */
  aa: boolean;
  /** Truncated: the answer did not fit, ask again over TCP. */
  tc: boolean;
  /** Recursion desired (copied from query to response). */
  rd: boolean;
  /** Recursion available. */
  ra: boolean;
  /** Authentic data / checking disabled (DNSSEC bits, carried through). */
  ad: boolean;
  cd: boolean;
  rcode: number;
}

/** What is asked: a name, a type, a class. */
export interface Question {
  name: string;
  type: number;
  class: number;
}

/** Record data by shape; `raw` is any type this codec does not look into (OPT included). */
export type RecordData =
  | { kind: 'address'; address: string }
  | { kind: 'name'; target: string }
  | { kind: 'soa'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'srv'; priority: number; weight: number; port: number; target: string }
  | { kind: 'mx'; preference: number; exchange: string }
  | { kind: 'txt'; strings: string[] }
  | { kind: 'raw'; bytes: Uint8Array };

/** One record of the answer, authority or additional section. */
export interface ResourceRecord {
  name: string;
  type: number;
  /** For OPT: the sender's UDP payload size. */
  class: number;
  /** For OPT: extended rcode, version and flags. */
  ttl: number;
  data: RecordData;
}

/** A whole DNS message, query or response. */
export interface Message {
  header: Header;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

/** The largest UDP answer a client without EDNS0 accepts (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;

/** The UDP payload size this server advertises and honours at most (the DNS flag day 2020 figure). */
export const MAX_UDP_SIZE = 1232;

/** The UDP answer size a query allows: its EDNS0 payload size (at least 512, at most ours), or 512. */
export function udpSizeLimit(query: Message): number {
  const opt = query.additionals.find((r) => r.type === RRType.OPT);
  if (!opt) return CLASSIC_UDP_SIZE;
  return Math.min(MAX_UDP_SIZE, Math.max(CLASSIC_UDP_SIZE, opt.class));
}

/** The OPT pseudo-record a response carries when its query did (no options, DO bit clear). */
export function optRecord(): ResourceRecord {
  return { name: '', type: RRType.OPT, class: MAX_UDP_SIZE, ttl: 0, data: { kind: 'raw', bytes: new Uint8Array(0) } };
}

/** A response skeleton for `query`: same id, opcode, rd and cd, its question, EDNS0 if it had it. */
export function responseTo(query: Message, rcode: number, aa = false): Message {
  const q = query.header;
  return {
    header: { id: q.id, qr: true, opcode: q.opcode, aa, tc: false, rd: q.rd, ra: true, ad: false, cd: q.cd, rcode },
    questions: query.questions.slice(0, 1),
    answers: [],
    authorities: [],
    additionals: query.additionals.some((r) => r.type === RRType.OPT) ? [optRecord()] : [],
  };
}

/** The type's mnemonic ("A", "SRV"), or "TYPE65" for one without a name here. */
export function typeName(type: number): string {
  const entry = Object.entries(RRType).find(([, n]) => n === type);
  return entry ? entry[0] : `TYPE${type}`;
}
