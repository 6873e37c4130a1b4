/**
 * A minimal SPDY/3.1 client for tests: opens streams the way client-go's port-forwarder does
 * and collects what comes back. Transport-agnostic like the server session.
 */
import { EventEmitter } from 'node:events';
import { createDeflate, createInflate } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.ts';
import { HeaderCodec, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, parseFrames, PING, RST_STREAM, SYN_REPLY, SYN_STREAM } from './spdy-session.ts';

export interface ClientStream extends EventEmitter {
  id: number;
  received: Buffer[];
  ended: boolean;
  replied: boolean;
  reset: boolean;
  text(): string;
  write(data: Buffer | string): void;
  end(): void;
}

export class SpdyTestClient {
  private nextId = 1;
  private pending = Buffer.alloc(0);
  private readonly deflater = new HeaderCodec(createDeflate({ dictionary: SPDY_HEADER_DICTIONARY }));
  private readonly inflater = new HeaderCodec(createInflate({ dictionary: SPDY_HEADER_DICTIONARY }));
  private queue: Promise<void> = Promise.resolve();
  readonly streams = new Map<number, ClientStream>();
  readonly pings: number[] = [];
  readonly events = new EventEmitter();

  constructor(private readonly send: (data: Buffer) => void) {}

  /** Opens a stream; its SYN_STREAM goes out in order with other frames this client sends. */
  open(headers: Record<string, string>, fin = false): ClientStream {
    const id = this.nextId;
    this.nextId += 2;
    const payload = Buffer.alloc(10);
    payload.writeUInt32BE(id, 0);
    const stream = Object.assign(new EventEmitter(), {
      id,
      received: [] as Buffer[],
      ended: false,
      replied: false,
      reset: false,
      text: () => Buffer.concat(stream.received).toString(),
      write: (data: Buffer | string) => this.enqueue(async () => dataFrame(id, 0, Buffer.from(data))),
      end: () => this.enqueue(async () => dataFrame(id, FLAG_FIN, Buffer.alloc(0))),
    });
    this.streams.set(id, stream);
    this.enqueue(async () => controlFrame(SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([payload, await this.deflater.process(encodeHeaderBlock(headers))])));
    return stream;
  }

  private enqueue(frame: () => Promise<Buffer>): void {
    this.queue = this.queue.then(async () => this.send(await frame()));
  }

  ping(id: number): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(id, 0);
    this.enqueue(async () => controlFrame(PING, 0, payload));
  }

  receive(chunk: Buffer): void {
    const { frames, rest } = parseFrames(Buffer.concat([this.pending, chunk]));
    this.pending = Buffer.from(rest);
    for (const f of frames) {
      if (f.control) {
        if (f.type === SYN_REPLY) {
          const stream = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff)!;
          const block = Buffer.from(f.payload.subarray(4));
          // Header blocks must be inflated in order; the reply's headers themselves are empty.
          this.queue = this.queue.then(async () => {
            decodeHeaderBlock(await this.inflater.process(block));
          });
          stream.replied = true;
          stream.emit('change');
        } else if (f.type === PING) {
          this.pings.push(f.payload.readUInt32BE(0));
          this.events.emit('ping');
        } else if (f.type === RST_STREAM) {
          const stream = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
          if (stream) {
            stream.reset = true;
            stream.emit('change');
          }
        }
        continue;
      }
      const stream = this.streams.get(f.streamId);
      if (!stream) continue;
      if (f.payload.length) stream.received.push(Buffer.from(f.payload));
      if (f.flags & FLAG_FIN) stream.ended = true;
      stream.emit('change');
    }
  }

  close(): void {
    this.deflater.close();
    this.inflater.close();
  }
}

/** Waits until `check` holds for the stream (re-checked on every frame it gets). */
export function until(stream: ClientStream, check: (s: ClientStream) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const test = () => {
      if (check(stream)) {
        stream.off('change', test);
        resolve();
      }
    };
    stream.on('change', test);
    test();
  });
}
