/**
 * Loopback connections: how components that run in the API server's own process (the controller
 * manager and scheduler of `skiff server`) reach it. Upstream's loopback client goes through
 * TLS on 127.0.0.1; here it is plain HTTP over a Unix socket in the server's data directory
 * (mode 0600, like the admin key next to it), whose connections are handed to the same HTTP
 * layer as the TLS ones. Neither side encrypts or decrypts what it sends — every pod event on the
 * controllers' watches and every write they make — which on a busy control plane was the largest
 * single cost after garbage collection (TLS writes ~9% of its time).
 *
 * The socket is a kernel one on purpose: an in-memory stream pair was tried first and, with the
 * controllers on it, Service traffic failed in the services e2e while a replica went (never
 * explained); a Unix socket has the close, half-close and back-pressure behaviour node:http
 * is written against.
 *
 * The server knows a connection's user because it accepted it on this socket (authenticate.ts
 * asks {@link loopbackUser}); only root, who can read the admin key anyway, can connect.
 */
import { chmod, rm } from 'node:fs/promises';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { UserInfo } from './auth/authenticate.ts';

const loopbackSockets = new WeakSet<object>();

/** The identity of in-process components, as upstream's loopback client: a cluster admin. */
export const LOOPBACK_USER: UserInfo = { username: 'system:apiserver', groups: ['system:masters'] };

/** The user of a connection accepted on the loopback socket; undefined for any other socket. */
export function loopbackUser(socket: object): UserInfo | undefined {
  return loopbackSockets.has(socket) ? LOOPBACK_USER : undefined;
}

/** Linux's limit on a Unix socket path (sun_path is 108 bytes with its terminating NUL). */
const MAX_SOCKET_PATH = 107;

export interface LoopbackListener {
  /** Opens a connection to the server; undefined when the path was too long to listen on. */
  connect: () => Duplex;
  close(): Promise<void>;
}

/**
 * Listens on `socketPath` and hands each accepted connection to `server` as if TLS had just been
 * set up on it. Returns undefined (callers then use TLS) when the path is too long for a socket.
 */
export async function listenLoopback(server: Server, socketPath: string): Promise<LoopbackListener | undefined> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) return undefined;
  // A socket file left by a server that did not stop cleanly refuses the new listen.
  await rm(socketPath, { force: true });
  const accepted = new Set<Socket>();
  const listener: NetServer = createServer((socket) => {
    loopbackSockets.add(socket);
    accepted.add(socket);
    socket.on('close', () => accepted.delete(socket));
    // https.Server hands 'secureConnection' sockets to its HTTP connection listener.
    server.emit('secureConnection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    // A Unix socket whose accept queue is full refuses a connect at once (EAGAIN) where TCP
    // would retry: the in-process components open a connection per request in flight, and a
    // burst of them (the scheduler binding a backlog, hundreds at once) overran node's default
    // of 511. The kernel caps this at net.core.somaxconn (4096 on Debian 12).
    listener.listen({ path: socketPath, backlog: 4096 }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  return {
    connect: () => connect(socketPath),
    close: async () => {
      await new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const s of accepted) s.destroy();
      });
      await rm(socketPath, { force: true });
    },
  };
}
