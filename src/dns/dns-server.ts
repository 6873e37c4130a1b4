/**
 * The DNS server's sockets: UDP and TCP on one address and port, every query handed to
 * {@link respond}. UDP answers respect the client's size limit (512 bytes, or its EDNS0 size);
 * TCP connections may carry several queries, each framed by a two-byte length, and are closed
 * after a spell of silence.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import type { DnsEndpoint } from './exchange.ts';
import type { QueryHandler } from './query-handler.ts';
import { respond } from './respond.ts';

const TCP_IDLE_TIMEOUT_MS = 10_000;

/** A listening DNS server. */
export interface DnsServer {
  /** Where it listens (the port is the real one when 0 was asked for). */
  address: DnsEndpoint;
  close(): Promise<void>;
}

function bindUdp(socket: UdpSocket, endpoint: DnsEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(endpoint.port, endpoint.address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function listenTcp(server: Server, endpoint: DnsEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function serveTcpConnection(socket: Socket, handler: QueryHandler, log: (line: string) => void): void {
  let buffered = Buffer.alloc(0);
  let queue = Promise.resolve();
  socket.setTimeout(TCP_IDLE_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const packet = new Uint8Array(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      buffered = buffered.subarray(2 + packet.length);
      // Answers go back in order, one query at a time per connection.
      queue = queue.then(async () => {
        const answer = await respond(handler, packet, 'tcp', (err) => log(`dns: answering over TCP: ${(err as Error).message}`));
        if (!answer || socket.destroyed) return;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(answer.length);
        socket.write(Buffer.concat([length, answer]));
      });
    }
  });
}

/**
 * Listens on `endpoint` over UDP and TCP. With port 0 the UDP port is picked first and TCP
 * takes the same number. Binding errors (EADDRNOTAVAIL, EADDRINUSE) are thrown as they come.
 */
export async function listenDns(endpoint: DnsEndpoint, handler: QueryHandler, log: (line: string) => void = () => {}): Promise<DnsServer> {
  const udp = createSocket({ type: isIP(endpoint.address) === 6 ? 'udp6' : 'udp4' });
  await bindUdp(udp, endpoint).catch((err) => {
    udp.close();
    throw err;
  });
  const port = udp.address().port;
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveTcpConnection(socket, handler, log);
  });
  try {
    await listenTcp(tcp, { address: endpoint.address, port });
  } catch (err) {
    udp.close();
    throw err;
  }
  udp.on('message', (packet, from) => {
    void respond(handler, new Uint8Array(packet), 'udp', (err) => log(`dns: answering over UDP: ${(err as Error).message}`)).then((answer) => {
      if (answer) udp.send(answer, from.port, from.address);
    });
  });
  udp.on('error', (err) => log(`dns: UDP socket: ${err.message}`));
  let closed = false;
  return {
    address: { address: endpoint.address, port },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
    },
  };
}
