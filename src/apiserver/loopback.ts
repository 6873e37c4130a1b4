/**
 * Loopback connections: how components that run in the API server's own process (the controller
 * manager and scheduler of `skiff server`) reach it. Upstream's loopback client goes through
 * TLS on 127.0.0.1; here a connection is a pair of in-memory streams handed straight to the
 * server's HTTP layer, so neither side encrypts, decrypts or copies through the kernel what it
 * sends — every pod event on their watches and every write they make. On a busy control plane
 * that was the largest single cost after garbage collection (TLS writes ~9% of its time).
 * There is nothing to present: the server knows the connection's user because it made it
 * (authenticate.ts asks {@link loopbackUser}); nothing outside the process can open one.
 */
import { Duplex } from 'node:stream';
import type { Server } from 'node:https';
import type { UserInfo } from './auth/authenticate.ts';

const users = new WeakMap<object, UserInfo>();

/** The user a loopback connection was opened for; undefined for any other socket. */
export function loopbackUser(socket: object): UserInfo | undefined {
  return users.get(socket);
}

/** The identity of in-process components, as upstream's loopback client: a cluster admin. */
export const LOOPBACK_USER: UserInfo = { username: 'system:apiserver', groups: ['system:masters'] };

/**
 * A function that opens a new connection to `server` as `user` and returns the client's end.
 * The server gets the other end as if TLS had just been set up on it.
 */
export function loopbackConnector(server: Server, user: UserInfo = LOOPBACK_USER): () => Duplex {
  return () => {
    const [client, serverEnd] = streamPair();
    if (!server.listening) {
      // Stopped: refuse as a closed port would, so callers see a connection error, not a hang.
      const refused = Object.assign(new Error('connect ECONNREFUSED: the API server in this process has stopped'), { code: 'ECONNREFUSED' });
      process.nextTick(() => client.destroy(refused));
      return client;
    }
    users.set(serverEnd, user);
    // https.Server hands 'secureConnection' sockets to its HTTP connection listener.
    server.emit('secureConnection', serverEnd);
    return client;
  };
}

/**
 * One end of an in-memory connection: what is written to it is read from its peer. Writes wait
 * (backpressure) while the peer's reader is behind. It answers the socket methods node:http's
 * agent and server call (keep-alive, no-delay, timeouts, ref) since there is no socket under it.
 */
class PairEnd extends Duplex {
  peer!: PairEnd;
  /** A write of ours waiting until the peer reads again. */
  private blocked?: () => void;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 0;

  override _read(): void {
    const resume = this.peer.blocked;
    this.peer.blocked = undefined;
    resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.peer.destroyed) return callback(new Error('loopback connection closed'));
    if (this.peer.push(chunk)) callback();
    else this.blocked = callback;
  }

  override _final(callback: () => void): void {
    this.peer.push(null);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const resume = this.blocked;
    this.blocked = undefined;
    resume?.();
    // Like a reset TCP connection: the peer learns at once (a watch's server stops sending).
    if (!this.peer.destroyed) this.peer.destroy();
    callback(err);
  }

  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(ms: number, onTimeout?: () => void): this {
    // node:http arms idle timeouts through this (keepAliveTimeout, request timeouts); a loopback
    // connection has no idle cost worth reclaiming, so they do not fire.
    void ms;
    void onTimeout;
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

function streamPair(): [PairEnd, PairEnd] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
