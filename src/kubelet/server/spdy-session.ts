/**
 * The server side of a SPDY/3.1 session, just enough for `portforward.k8s.io`: the client opens
 * streams (SYN_STREAM with headers), this side accepts each with a SYN_REPLY, and both sides
 * exchange DATA frames, half-close with FIN and abort with RST_STREAM; PINGs are echoed.
 * Like the Go spdystream library kubectl and upstream's kubelet use, no flow control is done
 * (WINDOW_UPDATE and SETTINGS are read and ignored). Header blocks are zlib streams, one per
 * direction for the whole session, primed with SPDY/3's dictionary.
 *
 * Transport-agnostic: feed received bytes to `receive`, and the session writes through the
 * `send` it was given — raw TCP for an `Upgrade: SPDY/3.1`, or WebSocket messages for the
 * tunnelled `SPDY/3.1+portforward.k8s.io` that kubectl 1.32 tries first.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.ts';

const VERSION = 3;
export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const FLAG_FIN = 0x01;
const HEADER_BYTES = 8;
/** RST_STREAM status codes. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_CANCEL = 5;
/** Largest DATA payload this side sends in one frame. */
const MAX_DATA = 32 * 1024;

/** A frame as read off the wire. */
export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; payload: Buffer };

/** Parses whole frames from the front of `buffer`; returns them and the bytes of an incomplete one. */
export function parseFrames(buffer: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let at = 0;
  while (buffer.length - at >= HEADER_BYTES) {
    const length = buffer.readUIntBE(at + 5, 3);
    if (buffer.length - at < HEADER_BYTES + length) break;
    const flags = buffer[at + 4];
    const payload = buffer.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (buffer[at] & 0x80) frames.push({ control: true, type: buffer.readUInt16BE(at + 2), flags, payload });
    else frames.push({ control: false, streamId: buffer.readUInt32BE(at) & 0x7fffffff, flags, payload });
    at += HEADER_BYTES + length;
  }
  return { frames, rest: buffer.subarray(at) };
}

/** Builds a control frame. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(0x8000 | VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(payload.length, 4);
  header[4] = flags;
  return Buffer.concat([header, payload]);
}

/** Builds a DATA frame. */
export function dataFrame(streamId: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(payload.length, 4);
  header[4] = flags;
  return Buffer.concat([header, payload]);
}

/** Encodes a name/value header block (before compression); names are lower case in SPDY/3. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Decodes a header block; a header with several values (NUL-separated) keeps the first. */
export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let at = 4;
  const count = block.readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const nameLength = block.readUInt32BE(at);
    const name = block.subarray(at + 4, at + 4 + nameLength).toString().toLowerCase();
    at += 4 + nameLength;
    const valueLength = block.readUInt32BE(at);
    const value = block.subarray(at + 4, at + 4 + valueLength).toString();
    at += 4 + valueLength;
    headers[name] = value.split('\0')[0];
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/**
 * One direction's header compression: a zlib stream that lives as long as the session, each
 * header block pushed through with a sync flush so it can be read out whole. Calls must not
 * overlap (the session processes frames one at a time).
 */
export class HeaderCodec {
  constructor(private readonly zlib: Inflate | Deflate) {}

  /** Inflates (or deflates) one header block. */
  process(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.zlib.once('error', reject);
      this.zlib.write(block);
      this.zlib.flush(constants.Z_SYNC_FLUSH, () => {
        this.zlib.off('error', reject);
        // zlib pushes a chunk's output before it calls back, so it is all buffered by now.
        const out: Buffer[] = [];
        for (let chunk = this.zlib.read() as Buffer | null; chunk !== null; chunk = this.zlib.read() as Buffer | null) out.push(chunk);
        resolve(Buffer.concat(out));
      });
    });
  }

  close(): void {
    this.zlib.close();
  }
}

/** One client-opened stream: a Duplex over its DATA frames. `end()` sends FIN. */
export class SpdyStream extends Duplex {
  constructor(
    readonly id: number,
    readonly headers: Record<string, string>,
    private readonly session: SpdyServerSession,
  ) {
    super();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (let at = 0; at < chunk.length; at += MAX_DATA) this.session.send(dataFrame(this.id, 0, chunk.subarray(at, at + MAX_DATA)));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    callback();
  }

  /** Aborts the stream (RST_STREAM CANCEL), as when a forward is torn down. */
  reset(): void {
    if (!this.destroyed) this.session.send(controlFrame(RST_STREAM, 0, Buffer.concat([u32(this.id), u32(RST_CANCEL)])));
    this.destroy();
  }
}

/**
 * A SPDY server session. Emits `stream` (SpdyStream) for each stream the client opens, after
 * replying to it, and `close` once the client went away (GOAWAY) or `close()` was called.
 */
export class SpdyServerSession extends EventEmitter {
  private readonly streams = new Map<number, SpdyStream>();
  private pending = Buffer.alloc(0);
  private readonly inflater = new HeaderCodec(createInflate({ dictionary: SPDY_HEADER_DICTIONARY }));
  private readonly deflater = new HeaderCodec(createDeflate({ dictionary: SPDY_HEADER_DICTIONARY }));
  /** Frames are handled strictly in order; header blocks make that asynchronous. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly write: (data: Buffer) => void) {
    super();
  }

  /** Sends raw frame bytes (streams use this). */
  send(data: Buffer): void {
    if (!this.closed) this.write(data);
  }

  /** Feeds bytes received from the client. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    const { frames, rest } = parseFrames(this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk);
    this.pending = Buffer.from(rest);
    for (const frame of frames) {
      this.queue = this.queue.then(async () => {
        if (this.closed) return;
        if (frame.control) await this.onControl(frame.type, frame.flags, Buffer.from(frame.payload));
        else this.onData(frame.streamId, frame.flags, Buffer.from(frame.payload));
      });
    }
    // A malformed frame ends the session rather than the process.
    this.queue = this.queue.catch(() => this.close());
  }

  /** Ends the session: every stream is destroyed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
    this.inflater.close();
    this.deflater.close();
    this.emit('close');
  }

  private async onControl(type: number, flags: number, payload: Buffer): Promise<void> {
    switch (type) {
      case SYN_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflater.process(payload.subarray(10)));
        const replyHeaders = await this.deflater.process(encodeHeaderBlock({}));
        if (this.closed) return;
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        stream.once('close', () => this.streams.delete(id));
        this.send(controlFrame(SYN_REPLY, 0, Buffer.concat([u32(id), replyHeaders])));
        if (flags & FLAG_FIN) stream.push(null);
        this.emit('stream', stream);
        return;
      }
      case RST_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.destroy();
        return;
      }
      case PING:
        this.send(controlFrame(PING, 0, payload));
        return;
      case GOAWAY:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: nothing this side acts on.
        return;
    }
  }

  private onData(id: number, flags: number, payload: Buffer): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    if (payload.length) stream.push(payload);
    if (flags & FLAG_FIN) stream.push(null);
  }
}
