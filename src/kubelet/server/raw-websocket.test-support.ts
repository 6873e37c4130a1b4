/**
 * A bare WebSocket client for tests that must offer a subprotocol the `ws` client refuses to
 * send (`SPDY/3.1+portforward.k8s.io`, as Go's client does): binary messages only.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect } from 'node:tls';

export interface RawWebSocket extends EventEmitter {
  /** The subprotocol the server answered with. */
  protocol: string;
  send(data: Buffer): void;
  close(): void;
}

export function rawWebSocket(options: { port: number; path: string; protocol: string; cert: string; key: string }): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: options.port, rejectUnauthorized: false, cert: options.cert, key: options.key, ALPNProtocols: ['http/1.1'] });
    const events = new EventEmitter() as RawWebSocket;
    let buffer = Buffer.alloc(0);
    let open = false;
    const frame = (opcode: number, payload: Buffer) => {
      const mask = randomBytes(4);
      const length = payload.length < 126 ? Buffer.of(0x80 | payload.length) : payload.length < 65536 ? Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]) : (() => {
        const b = Buffer.alloc(9);
        b[0] = 0x80 | 127;
        b.writeBigUInt64BE(BigInt(payload.length), 1);
        return b;
      })();
      const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
      socket.write(Buffer.concat([Buffer.of(0x80 | opcode), length, mask, masked]));
    };
    events.send = (data) => frame(2, data);
    events.close = () => {
      frame(8, Buffer.of(0x03, 0xe8));
      socket.end();
    };
    socket.on('secureConnect', () => {
      socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${options.protocol}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!open) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        buffer = buffer.subarray(end + 4);
        if (!head.startsWith('HTTP/1.1 101')) {
          reject(new Error(head));
          return;
        }
        open = true;
        events.protocol = /sec-websocket-protocol: *(.*)/i.exec(head)?.[1] ?? '';
        resolve(events);
      }
      for (;;) {
        if (buffer.length < 2) return;
        let length = buffer[1] & 0x7f;
        let at = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          at = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + length) return;
        const opcode = buffer[0] & 0x0f;
        const payload = buffer.subarray(at, at + length);
        buffer = buffer.subarray(at + length);
        if (opcode === 2 || opcode === 0) events.emit('message', Buffer.from(payload));
        else if (opcode === 9) frame(10, payload);
        else if (opcode === 8) {
          socket.end();
          events.emit('close');
        }
      }
    });
    socket.on('error', reject);
  });
}
