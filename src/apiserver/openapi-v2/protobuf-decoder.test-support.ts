/**
 * A tiny protobuf wire decoder for the tests: the encoder's output read back by code that
 * knows only the wire format (and, in decodeDocument, gnostic's OpenAPIv2.proto field numbers),
 * since no protobuf library is installed.
 */
import type { Document, Operation, Parameter, PathItem, Response, Schema } from './types.ts';

export interface WireField {
  field: number;
  wireType: number;
  /** Wire type 0. */
  varint?: bigint;
  /** Wire type 1, eight bytes. */
  fixed64?: Buffer;
  /** Wire type 2. */
  bytes?: Buffer;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [value, pos];
  }
}

/** Every field of one message, in wire order. Throws on a malformed or truncated message. */
export function decodeFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) {
      const [varint, next] = readVarint(buf, pos);
      out.push({ field, wireType, varint });
      pos = next;
    } else if (wireType === 1) {
      if (pos + 8 > buf.length) throw new Error('truncated fixed64');
      out.push({ field, wireType, fixed64: buf.subarray(pos, pos + 8) });
      pos += 8;
    } else if (wireType === 2) {
      const [length, next] = readVarint(buf, pos);
      const end = next + Number(length);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      out.push({ field, wireType, bytes: buf.subarray(next, end) });
      pos = end;
    } else {
      throw new Error(`unexpected wire type ${wireType}`);
    }
  }
  return out;
}

/** One message's fields grouped by number. */
class Message {
  private readonly byField = new Map<number, WireField[]>();
  constructor(buf: Buffer) {
    for (const f of decodeFields(buf)) this.byField.set(f.field, [...(this.byField.get(f.field) ?? []), f]);
  }
  has(n: number): boolean {
    return this.byField.has(n);
  }
  strings(n: number): string[] {
    return (this.byField.get(n) ?? []).map((f) => f.bytes!.toString('utf8'));
  }
  string(n: number): string | undefined {
    return this.strings(n).at(-1);
  }
  bool(n: number): boolean | undefined {
    const f = this.byField.get(n)?.at(-1);
    return f ? f.varint !== 0n : undefined;
  }
  messages(n: number): Message[] {
    return (this.byField.get(n) ?? []).map((f) => new Message(f.bytes!));
  }
  message(n: number): Message | undefined {
    return this.messages(n).at(-1);
  }
}

/** Repeated `NamedAny` (name 1, Any value 2 with yaml 2) → `x-` properties; values parsed as JSON. */
function vendorExtensions(m: Message, field: number): Record<string, unknown> {
  return Object.fromEntries(m.messages(field).map((n) => [n.string(1)!, JSON.parse(n.message(2)!.string(2)!)]));
}

function set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) obj[key] = value;
}

function schema(m: Message): Schema {
  const s: Schema = {};
  set(s, '$ref', m.string(1));
  set(s, 'description', m.string(4));
  set(s, 'format', m.string(2));
  if (m.has(20)) s.enum = m.messages(20).map((any) => JSON.parse(any.string(2)!));
  if (m.has(22)) s.type = m.message(22)!.string(1) as Schema['type'];
  if (m.has(23)) s.items = schema(m.message(23)!.message(1)!);
  if (m.has(25)) s.properties = namedSchemas(m.message(25)!);
  if (m.has(21)) s.additionalProperties = schema(m.message(21)!.message(1)!);
  if (m.has(19)) s.required = m.strings(19);
  return Object.assign(s, vendorExtensions(m, 31));
}

function namedSchemas(m: Message): Record<string, Schema> {
  return Object.fromEntries(m.messages(1).map((n) => [n.string(1)!, schema(n.message(2)!)]));
}

function parameter(item: Message): Parameter {
  const p = item.message(1)!;
  const bodyParameter = p.message(1);
  if (bodyParameter) {
    const b: Parameter = { in: 'body', name: bodyParameter.string(2)!, schema: schema(bodyParameter.message(5)!) };
    set(b, 'required', bodyParameter.bool(4));
    return b;
  }
  const nonBody = p.message(2)!;
  const q = nonBody.message(3);
  const sub = q ?? nonBody.message(4)!;
  const out = { in: sub.string(2), name: sub.string(4) } as Parameter & { in: 'query' | 'path' };
  set(out, 'description', sub.string(3));
  set(out, 'required', sub.bool(1));
  out.type = sub.string(q ? 6 : 5) as typeof out.type;
  set(out, 'uniqueItems', sub.bool(q ? 20 : 19));
  return out;
}

function operation(m: Message): Operation {
  const responses: Record<string, Response> = {};
  for (const named of m.message(9)!.messages(1)) {
    const r = named.message(2)!.message(1)!;
    responses[named.string(1)!] = { description: r.string(1)! };
    if (r.has(2)) responses[named.string(1)!].schema = schema(r.message(2)!.message(1)!);
  }
  const op: Operation = { operationId: m.string(5)!, responses };
  if (m.has(1)) op.tags = m.strings(1);
  set(op, 'description', m.string(3));
  if (m.has(7)) op.consumes = m.strings(7);
  if (m.has(6)) op.produces = m.strings(6);
  if (m.has(8)) op.parameters = m.messages(8).map(parameter);
  if (m.has(10)) op.schemes = m.strings(10);
  return Object.assign(op, vendorExtensions(m, 13));
}

const PATH_ITEM_FIELDS = { get: 2, put: 3, post: 4, delete: 5, patch: 8 } as const;

function pathItem(m: Message): PathItem {
  const item: PathItem = {};
  for (const [method, n] of Object.entries(PATH_ITEM_FIELDS) as [keyof typeof PATH_ITEM_FIELDS, number][]) {
    const op = m.message(n);
    if (op) item[method] = operation(op);
  }
  if (m.has(9)) item.parameters = m.messages(9).map(parameter);
  return item;
}

/** An `openapi.v2.Document` read back into the JSON shape of types.ts. */
export function decodeDocument(buf: Buffer): Document {
  const d = new Message(buf);
  const info = d.message(2)!;
  return {
    swagger: d.string(1) as '2.0',
    info: { title: info.string(1)!, version: info.string(2)! },
    paths: Object.fromEntries(d.message(8)!.messages(2).map((n) => [n.string(1)!, pathItem(n.message(2)!)])),
    definitions: namedSchemas(d.message(9)!),
    securityDefinitions: Object.fromEntries(
      d.message(13)!.messages(1).map((n) => {
        const k = n.message(2)!.message(2)!;
        return [n.string(1)!, { type: k.string(1) as 'apiKey', name: k.string(2)!, in: k.string(3) as 'header', description: k.string(4) }];
      }),
    ),
    security: d.messages(12).map((req) => Object.fromEntries(req.messages(1).map((n) => [n.string(1)!, n.message(2)!.strings(1)]))),
  };
}
