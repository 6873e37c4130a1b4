/**
 * Test support: writes protobuf records by hand, field by field, so that decoding tests state
 * their input byte for byte instead of trusting an encoder under test.
 */
import { PROTOBUF_MAGIC } from './decode.ts';

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    bytes.push(b);
  } while (v > 0n);
  return Buffer.from(bytes);
}

/** A varint field (int32, int64, bool); negative numbers take ten bytes, as Go writes them. */
export function varintField(number: number, value: number | bigint | boolean): Buffer {
  const v = typeof value === 'boolean' ? BigInt(value ? 1 : 0) : BigInt(value);
  return Buffer.concat([varint(BigInt(number << 3)), varint(v)]);
}

/** A length-delimited field: a string, bytes, or a nested message built from other fields. */
export function bytesField(number: number, ...parts: Array<Buffer | string>): Buffer {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  return Buffer.concat([varint(BigInt((number << 3) | 2)), varint(BigInt(body.length)), body]);
}

/** A whole request body: the magic, then runtime.Unknown{typeMeta, raw}. */
export function protobufBody(apiVersion: string, kind: string, ...raw: Buffer[]): Buffer {
  return Buffer.concat([PROTOBUF_MAGIC, bytesField(1, bytesField(1, apiVersion), bytesField(2, kind)), bytesField(2, ...raw)]);
}
