/**
 * Forwards queries outside the cluster domain to upstream resolvers: each upstream in turn over
 * UDP, the same one again over TCP when its answer comes back truncated, and an error once
 * none answered within the deadline (the server then answers SERVFAIL).
 */
import { DnsTimeoutError, exchangeTcp, exchangeUdp, type DnsEndpoint } from './exchange.ts';

/** No upstream gave an answer. */
export class ForwardError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForwardError';
  }
}

/** The upstreams, in the order they are tried, and the time they get. */
export interface ForwarderOptions {
  upstreams: DnsEndpoint[];
  /** How long one upstream gets before the next is tried. Default 2 s. */
  attemptTimeoutMs?: number;
  /** How long a query may take in all. Default 5 s (a stub resolver's own timeout). */
  timeoutMs?: number;
}

/** Forwards whole query packets upstream (see the module comment). */
export class Forwarder {
  constructor(private readonly o: ForwarderOptions) {}

  /** The upstream's response to `query` (a whole packet, the client's id kept). */
  async forward(query: Uint8Array): Promise<Uint8Array> {
    if (this.o.upstreams.length === 0) throw new ForwardError('no upstream resolvers configured');
    const deadline = Date.now() + (this.o.timeoutMs ?? 5000);
    let lastError: unknown;
    for (const upstream of this.o.upstreams) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const timeout = Math.min(left, this.o.attemptTimeoutMs ?? 2000);
      try {
        const answer = await exchangeUdp(query, upstream, timeout);
        const truncated = answer.length >= 3 && (answer[2] & 0x02) !== 0;
        if (!truncated) return answer;
        return await exchangeTcp(query, upstream, Math.max(deadline - Date.now(), 1));
      } catch (err) {
        lastError = err;
      }
    }
    const why = lastError instanceof DnsTimeoutError ? 'timed out' : lastError instanceof Error ? lastError.message : 'deadline passed';
    throw new ForwardError(`no upstream answered: ${why}`, { cause: lastError });
  }
}
