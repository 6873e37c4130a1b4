/**
 * Errors the kubelet's server answers with: Kubernetes Status objects, so that the API server
 * can pass them through unchanged and kubectl prints their message. Upgrade requests (exec,
 * attach, port-forward) fail before the upgrade, so their Status is written on the raw socket.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

/** An error with its HTTP code and Status reason. */
export class KubeletStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeletStatusError';
  }

  toStatus(): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

export const badRequest = (message: string) => new KubeletStatusError(400, 'BadRequest', message);
export const notFound = (message: string) => new KubeletStatusError(404, 'NotFound', message);
export const unauthorized = () => new KubeletStatusError(401, 'Unauthorized', 'Unauthorized');
export const forbidden = (message: string) => new KubeletStatusError(403, 'Forbidden', message);

function asStatusError(err: unknown): KubeletStatusError {
  return err instanceof KubeletStatusError ? err : new KubeletStatusError(500, 'InternalError', err instanceof Error ? err.message : String(err));
}

/** Answers a plain request with the error's Status (or cuts the stream when the body has begun). */
export function writeStatus(res: ServerResponse, err: unknown): void {
  const se = asStatusError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(se.toStatus());
  res.writeHead(se.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers an upgrade request that will not be upgraded, on its raw socket, then closes it. */
export function writeUpgradeStatus(socket: Duplex, err: unknown): void {
  const se = asStatusError(err);
  const body = JSON.stringify(se.toStatus());
  socket.end(
    `HTTP/1.1 ${se.code} ${STATUS_CODES[se.code] ?? 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
