/** tcpSocket probes: success when a TCP connection to the port opens within the timeout. */
import type { TCPSocketAction } from 'kubernetes-types/core/v1.js';
import { dialInNetns } from '../netns-dial.ts';
import { resolvePort } from './http-get.ts';
import type { ProbeTarget } from './target.ts';

/** undefined when the port accepted a connection, else why not (`dial tcp ...: connect: connection refused`). */
export async function tcpSocketCheck(action: TCPSocketAction, target: ProbeTarget, timeoutMs: number): Promise<string | undefined> {
  const host = action.host || target.podIP || '127.0.0.1';
  try {
    const port = resolvePort(action.port, target.container);
    const socket = await dialInNetns(action.host ? undefined : target.netnsPath, host, port, { timeoutMs });
    socket.destroy();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
