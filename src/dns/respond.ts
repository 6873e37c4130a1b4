/**
 * From query packet to response packet, the protocol around a {@link QueryHandler}: undecodable
 * packets get FORMERR (or nothing, when not even a header survives), responses are ignored,
 * opcodes other than QUERY get NOTIMP, a query must ask exactly one question, and the answer
 * is made to fit the transport.
 */
import { OPCODE_QUERY, RCode, responseTo, udpSizeLimit, type Message } from './message.ts';
import type { QueryHandler, QueryResult } from './query-handler.ts';
import { decodeMessage, DnsFormatError, encodeMessage } from './wire.ts';

/**
 * The response packet to a raw query packet, or undefined when the packet deserves no answer
 * (a response, or too broken to carry an id). Over UDP it fits the client's size limit (512
 * bytes, or its EDNS0 size), truncated with TC when the answer does not.
 */
export async function respond(handler: QueryHandler, packet: Uint8Array, transport: 'udp' | 'tcp', onError: (err: unknown) => void = () => {}): Promise<Uint8Array | undefined> {
  let query: Message;
  try {
    query = decodeMessage(packet);
  } catch (err) {
    if (!(err instanceof DnsFormatError) || packet.length < 12 || packet[2] & 0x80) return undefined;
    return formatError(packet);
  }
  if (query.header.qr) return undefined;
  const maxSize = transport === 'udp' ? udpSizeLimit(query) : undefined;
  if (query.header.opcode !== OPCODE_QUERY) return encodeMessage(responseTo(query, RCode.NotImp), { maxSize });
  if (query.questions.length !== 1) return encodeMessage(responseTo(query, RCode.FormErr), { maxSize });
  let result: QueryResult;
  try {
    result = await handler(query, packet);
    if ('message' in result) return encodeMessage(result.message, { maxSize });
  } catch (err) {
    // A bug, not the client's fault: answer SERVFAIL rather than leave it waiting.
    onError(err);
    return encodeMessage(responseTo(query, RCode.ServFail), { maxSize });
  }
  if (maxSize === undefined || result.packet.length <= maxSize) return result.packet;
  // Too big for the client's UDP limit: tell it to ask again over TCP.
  const truncated = responseTo(query, result.packet[3] & 0xf);
  truncated.header.tc = true;
  return encodeMessage(truncated);
}

/** FORMERR for a packet that has a header but nothing decodable after it: the header alone, echoed. */
function formatError(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(12);
  out[0] = packet[0];
  out[1] = packet[1];
  // QR set, opcode and RD copied, RA set, rcode FORMERR, all counts zero.
  out[2] = 0x80 | (packet[2] & 0x79);
  out[3] = 0x80 | RCode.FormErr;
  return out;
}
