/** A stub resolver for tests: one question to one server, over UDP or TCP, decoded. */
import { exchangeTcp, exchangeUdp, type DnsEndpoint } from './exchange.ts';
import { CLASS_IN, optRecord, RRType, type Message, type ResourceRecord } from './message.ts';
import { decodeMessage, encodeMessage } from './wire.ts';

export interface QueryOptions {
  transport?: 'udp' | 'tcp';
  /** Send an EDNS0 OPT record (payload size 1232). */
  edns?: boolean;
}

let nextId = 1;

export async function queryDns(server: DnsEndpoint, name: string, type: keyof typeof RRType, options: QueryOptions = {}): Promise<Message> {
  const query: Message = {
    header: { id: nextId++ & 0xffff, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name, type: RRType[type], class: CLASS_IN }],
    answers: [],
    authorities: [],
    additionals: options.edns ? [optRecord()] : [],
  };
  const packet = encodeMessage(query);
  const answer = options.transport === 'tcp' ? await exchangeTcp(packet, server, 5000) : await exchangeUdp(packet, server, 5000);
  return decodeMessage(answer);
}

/** The addresses (A) or targets (CNAME, PTR) of a response's answers, in order. */
export function answerData(message: Message): string[] {
  return message.answers.map((rr: ResourceRecord) => {
    const d = rr.data;
    if (d.kind === 'address') return d.address;
    if (d.kind === 'name') return d.target;
    if (d.kind === 'srv') return `${d.port} ${d.target}`;
    return d.kind;
  });
}
