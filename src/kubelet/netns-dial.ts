/**
 * TCP connections from the kubelet (which runs in the host's network namespace) to a port inside
 * a pod's network namespace: probes, httpGet hooks and port-forward use it.
 *
 * Node cannot switch namespaces, so a helper process does the connecting:
 * `nsenter --net=NETNS /bin/busybox nc HOST PORT -e sh -c '...'`. Once connected, busybox's nc
 * runs the `-e` program with the socket as its stdin and stdout; that program announces the
 * connection on stderr and relays bytes between the socket and two pipes the kubelet holds
 * (fd 3 towards the pod, fd 4 back). So the promise resolves only once the connection is really
 * established, and a refused or unreachable port rejects with a connection error, as
 * `net.connect` would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { Readable, Writable } from 'node:stream';

const BUSYBOX = '/bin/busybox';
const CONNECTED = 'skiff-connected';
/** Runs after nc connects: stdin/stdout are the socket, fd 3/4 the kubelet's pipes. */
const RELAY = `echo ${CONNECTED} >&2; ${BUSYBOX} cat <&3 4>&- & exec ${BUSYBOX} cat >&4 3<&-`;

/** A dial that failed; `code` is the errno name a plain socket would report (ECONNREFUSED...). */
export class DialError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'DialError';
  }
}

export interface DialOptions {
  /** Gives up (rejecting with ETIMEDOUT) when not connected by then. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Connects to `host:port` inside the network namespace at `netnsPath`, or in the host's own
 * when `netnsPath` is undefined (hostNetwork pods). Resolves with the connected stream; works as
 * `createConnection` for `http.request`.
 */
export function dialInNetns(netnsPath: string | undefined, host: string, port: number, options: DialOptions = {}): Promise<Duplex> {
  return netnsPath === undefined ? dialHost(host, port, options) : dialNetns(netnsPath, host, port, options);
}

function dialHost(host: string, port: number, options: DialOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const stop = guard(options, (err) => {
      socket.destroy();
      reject(err);
    }, host, port);
    socket.once('connect', () => {
      stop();
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      stop();
      reject(new DialError(`dial tcp ${hostPort(host, port)}: connect: ${describeErrno(err)}`, err.code ?? 'ECONNREFUSED'));
    });
  });
}

function dialNetns(netnsPath: string, host: string, port: number, options: DialOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, BUSYBOX, 'nc', host, String(port), '-e', BUSYBOX, 'sh', '-c', RELAY], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      // Its own process group, so closing the stream ends the relay's background cat too.
      detached: true,
    });
    let stderr = '';
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      killGroup(child);
      reject(err);
    };
    const stop = guard(options, fail, host, port);
    child.once('error', (err: NodeJS.ErrnoException) => {
      stop();
      fail(new DialError(`dial tcp ${hostPort(host, port)}: ${err.message}`, err.code ?? 'EIO'));
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (settled || !stderr.includes(CONNECTED)) return;
      settled = true;
      stop();
      resolve(new NetnsConnection(child));
    });
    child.once('close', () => {
      stop();
      fail(ncError(stderr, host, port));
    });
  });
}

/** Arms the timeout and abort signal; returns the function that disarms both. */
function guard(options: DialOptions, fail: (err: Error) => void, host: string, port: number): () => void {
  const onAbort = () => fail(new DialError(`dial tcp ${hostPort(host, port)}: operation was canceled`, 'ECANCELED'));
  if (options.signal?.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => fail(new DialError(`dial tcp ${hostPort(host, port)}: i/o timeout`, 'ETIMEDOUT')), options.timeoutMs);
  return () => {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  };
}

/** Turns nc's (or nsenter's) complaint into the error a socket would have given. */
function ncError(stderr: string, host: string, port: number): DialError {
  const text = stderr.trim();
  const prefix = `dial tcp ${hostPort(host, port)}`;
  const known: Array<[RegExp, string, string]> = [
    [/refused/i, 'ECONNREFUSED', 'connect: connection refused'],
    [/no route/i, 'EHOSTUNREACH', 'connect: no route to host'],
    [/network is unreachable/i, 'ENETUNREACH', 'connect: network is unreachable'],
    [/timed out/i, 'ETIMEDOUT', 'i/o timeout'],
    [/bad address|unknown host|resolve/i, 'ENOTFOUND', `lookup ${host}: no such host`],
  ];
  for (const [pattern, code, words] of known) if (pattern.test(text)) return new DialError(`${prefix}: ${words}`, code);
  return new DialError(`${prefix}: ${text || 'connection failed'}`, 'EIO');
}

function describeErrno(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EHOSTUNREACH':
      return 'no route to host';
    case 'ENETUNREACH':
      return 'network is unreachable';
    default:
      return err.message;
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The stream over the relay's pipes; destroying it ends the relay. */
class NetnsConnection extends Duplex {
  private readonly toPod: Writable;
  private readonly fromPod: Readable;

  constructor(private readonly child: ChildProcess) {
    super();
    this.toPod = child.stdio[3] as Writable;
    this.fromPod = child.stdio[4] as Readable;
    this.fromPod.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.fromPod.pause();
    });
    this.fromPod.once('end', () => this.push(null));
    this.fromPod.on('error', (err) => this.destroy(err));
    this.toPod.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.fromPod.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.toPod.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.toPod.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.toPod.destroy();
    this.fromPod.destroy();
    killGroup(this.child);
    callback(err);
  }

  /**
   * http.ClientRequest may call these on its socket; a pipe has nothing to tune, and idle
   * timeouts are not kept (callers bound their requests with their own timers).
   */
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
