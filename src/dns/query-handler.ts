/**
 * Turns one decoded query into its response: names in the cluster domain (and reverse names
 * of cluster addresses) are answered from the cluster, authoritatively; everything else goes
 * to the upstream resolvers and their answer is relayed as it came. A CNAME the cluster gives
 * for an ExternalName Service is followed upstream, as a recursive resolver would, since stub
 * resolvers in pods do not chase CNAMEs themselves.
 */
import { answerFromCluster, type ClusterView, type ZoneAnswer } from './cluster-zone.ts';
import type { Forwarder } from './forwarder.ts';
import { CLASS_IN, RCode, RRType, responseTo, type Message } from './message.ts';
import { decodeMessage, encodeMessage } from './wire.ts';

/** What the query handler answers from and forwards to. */
export interface QueryHandlerOptions {
  view: ClusterView;
  /** The cluster domain, e.g. "cluster.local". */
  zone: string;
  /** TTL of the cluster's answers. Default 5 s. */
  ttl?: number;
  forwarder: Pick<Forwarder, 'forward'>;
  log?: (line: string) => void;
}

/** The response: a message to encode, or an upstream's packet to relay as is. */
export type QueryResult = { message: Message } | { packet: Uint8Array };

/** Answers one query: a QUERY with exactly one question (anything else never reaches it). */
export type QueryHandler = (query: Message, packet: Uint8Array) => Promise<QueryResult>;

const CHASED_TYPES = new Set<number>([RRType.A, RRType.AAAA]);
const MAX_CNAME_HOPS = 8;

/** The handler that answers from the cluster view and forwards the rest (see the module comment). */
export function createQueryHandler(o: QueryHandlerOptions): QueryHandler {
  const log = o.log ?? (() => {});

  /** Follows a trailing CNAME: in the cluster zone from the cluster, elsewhere upstream; a few hops at most. */
  async function chase(query: Message, first: ZoneAnswer): Promise<ZoneAnswer> {
    const type = query.questions[0].type;
    let answer = first;
    for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
      const last = answer.answers.at(-1);
      if (!last || last.type !== RRType.CNAME || last.data.kind !== 'name' || !CHASED_TYPES.has(type)) return answer;
      const question = { name: last.data.target, type, class: CLASS_IN };
      const local = answerFromCluster(question, o.view, { zone: o.zone, ttl: o.ttl });
      if (local) {
        answer = { ...local, answers: [...answer.answers, ...local.answers] };
        continue;
      }
      const followUp: Message = { header: { ...query.header, rd: true }, questions: [question], answers: [], authorities: [], additionals: [] };
      try {
        const upstream = decodeMessage(await o.forwarder.forward(encodeMessage(followUp)));
        return { rcode: upstream.header.rcode, answers: [...answer.answers, ...upstream.answers], authorities: upstream.authorities, additionals: [] };
      } catch (err) {
        // The CNAME alone still tells the client where to look.
        log(`dns: following CNAME to ${last.data.target}: ${(err as Error).message}`);
        return answer;
      }
    }
    return answer;
  }

  return async (query, packet) => {
    const q = query.questions[0];
    const local = q.class === CLASS_IN ? answerFromCluster(q, o.view, { zone: o.zone, ttl: o.ttl }) : undefined;
    if (local) {
      const answer = await chase(query, local);
      const message = responseTo(query, answer.rcode, true);
      message.answers = answer.answers;
      message.authorities = answer.authorities;
      message.additionals = [...answer.additionals, ...message.additionals];
      return { message };
    }
    try {
      return { packet: await o.forwarder.forward(packet) };
    } catch (err) {
      log(`dns: forwarding ${q.name} ${q.type}: ${(err as Error).message}`);
      return { message: responseTo(query, RCode.ServFail) };
    }
  };
}
