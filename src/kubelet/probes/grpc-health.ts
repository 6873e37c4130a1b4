/**
 * grpc probes: the standard gRPC health check (grpc.health.v1.Health/Check) over HTTP/2 to the
 * pod's IP, or 127.0.0.1 inside its network namespace, on the probe's port. SERVING passes;
 * anything else fails, worded as upstream's prober words it.
 */
import type { GRPCAction } from 'kubernetes-types/core/v1.js';
import http2 from 'node:http2';
import { dialInNetns } from '../netns-dial.ts';
import type { ProbeTarget } from './target.ts';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_UNIMPLEMENTED = 12;

/** undefined when the service reports SERVING, else why not. */
export async function grpcHealthCheck(action: GRPCAction, target: ProbeTarget, timeoutMs: number): Promise<string | undefined> {
  const host = target.podIP || '127.0.0.1';
  const addr = `${host.includes(':') ? `[${host}]` : host}:${action.port}`;
  const within = `${timeoutMs / 1000}s`;
  const deadline = Date.now() + timeoutMs;
  let socket;
  try {
    socket = await dialInNetns(target.netnsPath, host, action.port, { timeoutMs });
  } catch (err) {
    return `timeout: failed to connect service "${addr}" within ${within}: ${(err as Error).message}`;
  }
  const session = http2.connect(`http://${addr}`, { createConnection: () => socket as never });
  try {
    const reply = await new Promise<{ status?: number; message: string; body: Buffer }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('deadline')), Math.max(0, deadline - Date.now()));
      session.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let status: number | undefined;
      let message = '';
      const note = (h: http2.IncomingHttpHeaders) => {
        if (h['grpc-status'] !== undefined) status = Number(h['grpc-status']);
        if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', note);
      req.on('trailers', note);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        clearTimeout(timer);
        resolve({ status, message, body: Buffer.concat(chunks) });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(frame(healthCheckRequest(action.service ?? '')));
    }).catch((err: Error) => err);
    if (reply instanceof Error) {
      return reply.message === 'deadline' ? `timeout: health rpc did not complete within ${within}` : `error: health rpc probe failed: ${reply.message}`;
    }
    if (reply.status === GRPC_UNIMPLEMENTED) return `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${reply.message}`;
    if (reply.status !== 0) return `error: health rpc probe failed: rpc error: code = ${reply.status ?? 'Unknown'} desc = ${reply.message}`;
    const serving = servingStatus(reply.body);
    return serving === 1 ? undefined : `service unhealthy (responded with "${STATUS_NAMES[serving] ?? serving}")`;
  } finally {
    session.destroy();
    socket.destroy();
  }
}

/** HealthCheckRequest { string service = 1 } in protobuf. */
function healthCheckRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const bytes = Buffer.from(service);
  return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), bytes]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** A gRPC message frame: uncompressed flag, 4-byte length, message. */
function frame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** HealthCheckResponse.status (field 1, varint) from the first frame; 0 (UNKNOWN) when absent. */
function servingStatus(body: Buffer): number {
  if (body.length < 5) return 0;
  const message = body.subarray(5, 5 + body.readUInt32BE(1));
  for (let i = 0; i < message.length; ) {
    const tag = message[i++];
    let value = 0;
    for (let shift = 0; i < message.length; shift += 7) {
      const b = message[i++];
      value |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    if (tag === 0x08) return value;
    if ((tag & 7) === 2) i += value;
  }
  return 0;
}
