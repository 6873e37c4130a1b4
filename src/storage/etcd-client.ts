/**
 * Connecting to etcd: what a `--datastore-endpoint` naming etcd means, the gRPC client built
 * from it (fail-fast deadlines, keepalives, a circuit breaker per member), and how the client's
 * errors read as {@link StoreUnavailableError}.
 */
import { readFileSync } from 'node:fs';
import { circuitBreaker, ConsecutiveBreaker, handleWhen, isBrokenCircuitError, noop } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { StoreUnavailableError } from './store.ts';

/** Client TLS for etcd (upstream's --etcd-cafile/--etcd-certfile/--etcd-keyfile; k3s's --datastore-*). */
export interface EtcdTls {
  /** PEM CA bundle that signed the etcd members' serving certificates. Default: the system roots. */
  caFile?: string;
  /** PEM client certificate, for etcd started with --client-cert-auth. */
  certFile?: string;
  /** PEM private key of `certFile`. */
  keyFile?: string;
}

/** The members of one etcd cluster and how to reach them. */
export interface EtcdEndpoint {
  /** `http://host:port` or `https://host:port`, one per member. */
  hosts: string[];
}

const DEFAULT_CLIENT_PORT = 2379;
const SCHEMES: Record<string, string> = { 'etcd:': 'http:', 'http:': 'http:', 'https:': 'https:' };

/**
 * Parses `etcd://h1:2379,h2:2379` (plain), `http://…` or `https://h1:2379,https://h2:2379`
 * (TLS). A member without a scheme takes the first member's; one without a port gets 2379.
 */
export function parseEtcdEndpoint(endpoint: string): EtcdEndpoint {
  let scheme: string | undefined;
  const hosts = endpoint.split(',').map((part) => {
    const text = part.trim();
    const m = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(text);
    const own = m ? SCHEMES[m[1].toLowerCase()] : undefined;
    if (m && !own) throw new Error(`etcd endpoint ${text} has an unknown scheme; expected etcd://, http:// or https://`);
    scheme ??= own;
    if (!scheme) throw new Error(`etcd endpoint ${endpoint} names no scheme; expected etcd://HOST:PORT[,HOST:PORT...]`);
    const url = new URL(`${own ?? scheme}//${m ? text.slice(m[0].length) : text}`);
    if (!url.hostname || (url.pathname !== '/' && url.pathname !== '')) throw new Error(`etcd endpoint ${text} is not HOST:PORT`);
    return `${url.protocol}//${url.hostname}:${url.port || DEFAULT_CLIENT_PORT}`;
  });
  return { hosts };
}

/** Options for {@link createEtcdClient}. */
export interface EtcdClientOptions {
  tls?: EtcdTls;
  /** Deadline of each call (streams excepted): past it the call fails as unavailable. Default 5 s. */
  callTimeoutMs?: number;
}

/**
 * A client for the members of `endpoint`. Calls go to one member each and are not retried here:
 * whether a failed write may be sent again is the caller's decision (see {@link wasNotSent}).
 * A member that fails three calls in a row is skipped for a second, so a dead member of a
 * cluster costs the others nothing.
 */
export function createEtcdClient(endpoint: EtcdEndpoint, options: EtcdClientOptions = {}): Etcd3 {
  const { tls = {}, callTimeoutMs = 5000 } = options;
  const secure = endpoint.hosts.some((h) => h.startsWith('https:'));
  const anyTls = tls.caFile || tls.certFile || tls.keyFile;
  if (anyTls && !secure) throw new Error('etcd TLS files were given but the datastore endpoint is not https://');
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new Error('an etcd client certificate needs both --datastore-certfile and --datastore-keyfile');
  const clientOptions: IOptions = {
    hosts: endpoint.hosts,
    dialTimeout: callTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    grpcOptions: {
      // Notice a member that vanished without closing the connection (power loss, partition).
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5000,
      // Reconnect soon after a member comes back, rather than after gRPC's two-minute ceiling.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
      // A list of every object of a kind is one response; gRPC's default 4 MiB cap would refuse big ones.
      'grpc.max_receive_message_length': 2 ** 31 - 1,
    },
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
      global: noop,
    },
  };
  if (anyTls) {
    clientOptions.credentials = {
      rootCertificate: (tls.caFile ? readFileSync(tls.caFile) : undefined) as Buffer,
      privateKey: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
      certChain: tls.certFile ? readFileSync(tls.certFile) : undefined,
    };
  }
  return new Etcd3(clientOptions);
}

/**
 * Whether a failed call certainly never reached etcd (no connection to that member), so even
 * a write may be sent again to another member without risk of applying it twice.
 */
export function wasNotSent(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /No connection established|ECONNREFUSED|connect EHOSTUNREACH|connect ENETUNREACH/.test(message);
}

/** Whether `err` says etcd could not serve the call (down, no leader, too slow) rather than refused it. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (isBrokenCircuitError(err) || isRecoverableError(err)) return true;
  return /UNAVAILABLE|DEADLINE_EXCEEDED|Deadline exceeded|client was already closed|etcdserver: (request timed out|leader changed|no leader|too many requests|server stopped)|Connection dropped|ECONNRESET/i.test(
    `${err.name} ${err.message}`,
  );
}

/** Whether `err` is a call that ran out of time: its member is alive but not answering (hung, overloaded). */
export function isDeadline(err: unknown): boolean {
  return err instanceof Error && /DEADLINE_EXCEEDED|Deadline exceeded|DeadlineExceeded/i.test(`${err.name} ${err.message}`);
}

/** `err` as the store's unavailability error, saying which endpoint failed. */
export function unavailable(err: unknown, endpoint: EtcdEndpoint): StoreUnavailableError {
  const reason = err instanceof Error ? err.message.replace(/^\w+Error: /, '') : String(err);
  return new StoreUnavailableError(`etcd at ${endpoint.hosts.join(',')} is unavailable: ${reason}`, { cause: err });
}
