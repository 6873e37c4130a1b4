/**
 * One DNS exchange with a server: send a query packet, get the response packet, over UDP (the
 * response must come from that server and carry the query's id) or TCP (RFC 1035 §4.2.2: each
 * message preceded by its two-byte length). Used to forward queries upstream, and by tests.
 */
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';

/** Where a DNS server listens. */
export interface DnsEndpoint {
  address: string;
  port: number;
}

/** The server did not answer in time. */
export class DnsTimeoutError extends Error {
  constructor(server: DnsEndpoint, transport: string) {
    super(`no answer from ${server.address}:${server.port} over ${transport}`);
    this.name = 'DnsTimeoutError';
  }
}

function idOf(packet: Uint8Array): number {
  return (packet[0] << 8) | packet[1];
}

/** Sends `packet` over UDP and resolves with the first matching response. */
export function exchangeUdp(packet: Uint8Array, server: DnsEndpoint, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server.address) === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new DnsTimeoutError(server, 'UDP')), timeoutMs);
    let done = false;
    const finish = (err: Error | undefined, answer?: Uint8Array) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg, from) => {
      // Anything else (a late answer to someone else, a spoof) is ignored.
      if (from.address === server.address && from.port === server.port && msg.length >= 2 && idOf(msg) === idOf(packet)) finish(undefined, new Uint8Array(msg));
    });
    socket.connect(server.port, server.address, () => socket.send(packet));
  });
}

/** Sends `packet` over a fresh TCP connection and resolves with the response. */
export function exchangeTcp(packet: Uint8Array, server: DnsEndpoint, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.address, port: server.port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new DnsTimeoutError(server, 'TCP')), timeoutMs);
    let done = false;
    const finish = (err: Error | undefined, answer?: Uint8Array) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(packet.length);
      socket.write(Buffer.concat([length, packet]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length >= 2 + length) finish(undefined, new Uint8Array(received.subarray(2, 2 + length)));
    });
    socket.on('end', () => finish(new Error(`${server.address}:${server.port} closed the TCP connection without an answer`)));
  });
}
