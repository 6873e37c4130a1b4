/**
 * OpenAPI v2 at /openapi/v2: the whole API's Swagger 2.0 document (document.ts), served as
 * gnostic protobuf (gnostic.ts) to clients that ask for it — client-go's `OpenAPISchema()`,
 * which kubectl uses to validate `kind: List` documents — and as JSON otherwise.
 *
 * Both representations are built on first use and kept; each carries an ETag, the hash of its
 * bytes.
 */
import { createHash } from 'node:crypto';
import { catalogue } from '../../api/catalogue.ts';
import type { ResourceInfo } from '../../api/resource.ts';
import { parseAccept } from '../negotiation.ts';
import { buildOpenApiV2 } from './document.ts';
import { encodeDocument } from './gnostic.ts';

/**
 * The protobuf media type, in the spelling upstream answers with. client-go asks with the
 * older '@' spelling, but '@' is not allowed in a media type and client-go's own parsing of a
 * response's Content-Type rejects it, so both spellings are accepted and this one is answered.
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** What client-go's `OpenAPISchema()` sends in Accept. */
const OPENAPI_V2_PROTOBUF_AS_ASKED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

export interface OpenApiV2Response {
  body: Buffer;
  contentType: string;
  /** Quoted, ready for the ETag header. */
  etag: string;
}

interface Representations {
  json: OpenApiV2Response;
  protobuf: OpenApiV2Response;
}

function represent(body: Buffer, contentType: string): OpenApiV2Response {
  return { body, contentType, etag: `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"` };
}

/** Builds both representations of the document for `resources`. */
function representations(resources: readonly ResourceInfo[]): Representations {
  const doc = buildOpenApiV2(resources);
  return {
    json: represent(Buffer.from(JSON.stringify(doc)), 'application/json'),
    protobuf: represent(encodeDocument(doc), OPENAPI_V2_PROTOBUF),
  };
}

/**
 * Which representation an Accept header asks for: the client's most preferred (by q, then
 * order) of protobuf or JSON; undefined when it accepts neither.
 */
export function negotiateOpenApiV2(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const ranked = parseAccept(accept)
    .map((m, order) => ({ type: m.type, q: m.params.q === undefined ? 1 : Number(m.params.q), order }))
    .filter((m) => m.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { type } of ranked) {
    if (type === OPENAPI_V2_PROTOBUF || type === OPENAPI_V2_PROTOBUF_AS_ASKED) return 'protobuf';
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
  }
  return undefined;
}

let served: Representations | undefined;

/**
 * The /openapi/v2 response for a request's Accept header (of the catalogue's resources), or
 * undefined when the header accepts nothing we serve (the caller answers 406).
 */
export function openApiV2(accept: string | undefined): OpenApiV2Response | undefined {
  const choice = negotiateOpenApiV2(accept);
  if (!choice) return undefined;
  served ??= representations(catalogue);
  return served[choice];
}
