/**
 * Encoding objects as `application/vnd.kubernetes.protobuf`, the reverse of ./decode.ts: the
 * magic `k8s\0`, then runtime.Unknown{typeMeta, raw} with the object's message in `raw`.
 * Fields are written in field-number order, maps in key order, as Go writes them; absent
 * fields are not written. For answering clients that prefer protobuf.
 */
import { typeForKind } from '../../api/schema/loader.ts';
import type { FieldType } from '../../api/schema/types.ts';
import { PROTOBUF_MAGIC } from './decode.ts';
import { messageLayout, type Encoding, type Slot } from './layout.ts';
import { WireType } from './wire.ts';

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Buffer.from(bytes);
}

function key(number: number, wireType: number): Buffer {
  return varint(BigInt(number) * 8n + BigInt(wireType));
}

function lengthDelimited(number: number, body: Buffer): Buffer {
  return Buffer.concat([key(number, WireType.LengthDelimited), varint(BigInt(body.length)), body]);
}

function varintField(number: number, value: number | boolean): Buffer {
  const v = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(Math.trunc(value));
  return Buffer.concat([key(number, WireType.Varint), varint(v)]);
}

/** A kind (or a type inside it) that has no protobuf form here. */
export class NoProtobufForm extends Error {
  constructor(what: string) {
    super(`no protobuf encoding for ${what}`);
    this.name = 'NoProtobufForm';
  }
}

/**
 * Encodes an object (apiVersion and kind set) as a protobuf body. Throws {@link NoProtobufForm}
 * when the kind has no protobuf form here, so a caller can answer in JSON instead.
 */
export function encodeProtobufObject(object: Record<string, unknown>): Buffer {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const slash = apiVersion.lastIndexOf('/');
  const type = typeForKind(slash < 0 ? '' : apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind);
  if (!type) throw new NoProtobufForm(`${apiVersion}/${kind}`);
  const typeMeta = Buffer.concat([lengthDelimited(1, Buffer.from(apiVersion)), lengthDelimited(2, Buffer.from(kind))]);
  return Buffer.concat([
    PROTOBUF_MAGIC,
    lengthDelimited(1, typeMeta),
    lengthDelimited(2, encodeMessage(object, type.name)),
    lengthDelimited(3, Buffer.alloc(0)),
    lengthDelimited(4, Buffer.alloc(0)),
  ]);
}

/** Encodes one JSON object as the message of a schema type. */
export function encodeMessage(object: Record<string, unknown>, typeName: string): Buffer {
  const layout = messageLayout(typeName);
  if (!layout) throw new NoProtobufForm(typeName);
  return encodeSlots(object, layout.slots);
}

function encodeSlots(object: Record<string, unknown>, slots: Map<number, Slot>): Buffer {
  const parts: Buffer[] = [];
  for (const number of [...slots.keys()].sort((a, b) => a - b)) {
    const slot = slots.get(number)!;
    if (slot.kind === 'inline') {
      parts.push(lengthDelimited(number, encodeSlots(object, slot.slots)));
      continue;
    }
    const value = object[slot.name];
    if (value === undefined || value === null) continue;
    parts.push(field(number, value, slot.schema.type, slot.encoding));
  }
  return Buffer.concat(parts);
}

function field(number: number, value: unknown, type: FieldType, encoding?: Encoding): Buffer {
  if (type.kind === 'array' && encoding !== 'StringList') {
    return Buffer.concat((value as unknown[]).map((item) => field(number, item, type.items)));
  }
  // A map's list values are always wrapped (map<string, StringList>), as decode.ts reads them.
  if (type.kind === 'map') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Buffer.concat(
      entries.map(([k, v]) => lengthDelimited(number, Buffer.concat([lengthDelimited(1, Buffer.from(k)), field(2, v, type.values, type.values.kind === 'array' ? 'StringList' : undefined)]))),
    );
  }
  switch (type.kind) {
    case 'string':
      return lengthDelimited(number, type.format === 'byte' ? Buffer.from(String(value), 'base64') : Buffer.from(String(value)));
    case 'integer':
    case 'boolean':
      return varintField(number, value as number | boolean);
    case 'number': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(value));
      return Buffer.concat([key(number, WireType.Fixed64), b]);
    }
    case 'quantity':
      return lengthDelimited(number, lengthDelimited(1, Buffer.from(String(value))));
    case 'int-or-string':
      return lengthDelimited(
        number,
        typeof value === 'number' ? Buffer.concat([varintField(1, 0), varintField(2, value)]) : Buffer.concat([varintField(1, 1), lengthDelimited(3, Buffer.from(String(value)))]),
      );
    case 'time':
      return lengthDelimited(number, time(String(value)));
    case 'any':
      return lengthDelimited(number, lengthDelimited(1, Buffer.from(JSON.stringify(value))));
    case 'array':
      return lengthDelimited(number, Buffer.concat((value as unknown[]).map((item) => lengthDelimited(1, Buffer.from(String(item))))));
    case 'ref':
      return lengthDelimited(number, encodeMessage(value as Record<string, unknown>, type.ref));
  }
}

/** An RFC 3339 time as metav1.Time's seconds = 1, nanos = 2. */
function time(text: string): Buffer {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 time: ${text}`);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const nanos = Number(fraction.padEnd(9, '0').slice(0, 9));
  const seconds = Math.floor(ms / 1000);
  return Buffer.concat([varintField(1, seconds), ...(nanos ? [varintField(2, nanos)] : [])]);
}

/**
 * A response body as protobuf, or undefined when it has no protobuf form here (the caller
 * answers in JSON then).
 */
export function encodeResponse(body: unknown): Buffer | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  try {
    return encodeProtobufObject(body as Record<string, unknown>);
  } catch (err) {
    if (err instanceof NoProtobufForm) return undefined;
    throw err;
  }
}
