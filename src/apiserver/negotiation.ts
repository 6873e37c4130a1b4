/**
 * Content negotiation: which representation a client asked for in its Accept header —
 * plain JSON, YAML or Kubernetes protobuf, a meta.k8s.io Table (kubectl get), or
 * PartialObjectMetadata — and the Content-Type that answers it. Protobuf is answered where the
 * caller allows it (single objects and lists; watch streams stay JSON) and the client prefers it.
 */
import { notAcceptable } from './errors.ts';
import { PROTOBUF_CONTENT_TYPE } from './protobuf/index.ts';

export interface MediaType {
  type: string;
  params: Record<string, string>;
  /** Preference weight from the `q` parameter (default 1). */
  q: number;
}

export type Representation =
  | { as: 'object'; format: 'json' | 'yaml' | 'protobuf' }
  | { as: 'Table'; version: string; includeObject?: string }
  | { as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: string };

/**
 * The media ranges of an Accept header, most preferred first (by q, then the client's order);
 * ranges with q=0 are dropped. No header means anything.
 */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header) return [{ type: '*/*', params: {}, q: 1 }];
  return header
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      }
      const q = params.q === undefined ? 1 : Number(params.q);
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((m) => m.type !== '' && m.q > 0)
    // A stable sort keeps the client's order among equal q values.
    .sort((a, b) => b.q - a.q);
}

/**
 * Picks the first acceptable representation in the client's order.
 * @param options.allowProtobuf whether the response can be protobuf (default false).
 */
export function negotiate(header: string | undefined, options: { allowTable: boolean; allowYaml?: boolean; allowProtobuf?: boolean }): Representation {
  for (const m of parseAccept(header)) {
    const json = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (m.params.as) {
      if (m.type !== 'application/json' || m.params.g !== 'meta.k8s.io') continue;
      const version = m.params.v ?? 'v1';
      if (version !== 'v1' && version !== 'v1beta1') continue;
      if (m.params.as === 'Table' && options.allowTable) return { as: 'Table', version };
      if (m.params.as === 'PartialObjectMetadata' || m.params.as === 'PartialObjectMetadataList') return { as: m.params.as, version };
      continue;
    }
    if (json) return { as: 'object', format: 'json' };
    if (m.type === PROTOBUF_CONTENT_TYPE && options.allowProtobuf) return { as: 'object', format: 'protobuf' };
    if ((m.type === 'application/yaml' || m.type === 'text/yaml') && options.allowYaml !== false) return { as: 'object', format: 'yaml' };
  }
  const types = ['application/json', 'application/yaml', ...(options.allowProtobuf ? [PROTOBUF_CONTENT_TYPE] : []), 'application/json;as=Table;v=v1;g=meta.k8s.io'];
  throw notAcceptable(`only the following media types are accepted: ${types.join(', ')}`);
}

export function contentTypeOf(rep: Representation): string {
  if (rep.as === 'object') return rep.format === 'yaml' ? 'application/yaml' : rep.format === 'protobuf' ? PROTOBUF_CONTENT_TYPE : 'application/json';
  return `application/json;as=${rep.as};g=meta.k8s.io;v=${rep.version}`;
}
