/**
 * The protobuf wire format, read-only: a message is a run of (field number, wire type,
 * value) records. Kubernetes uses varints (int32, int64, bool, enums as int), length-delimited
 * records (strings, bytes, nested messages, map entries, packed lists) and, for float and
 * double, the fixed 64- and 32-bit records. Anything that does not parse is a
 * {@link MalformedProtobufError}.
 */

export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;

export type WireRecord =
  | { number: number; wireType: 0; value: bigint }
  | { number: number; wireType: 1 | 5; value: Buffer }
  | { number: number; wireType: 2; value: Buffer };

/** A protobuf body that breaks the wire format; its message says where. */
export class MalformedProtobufError extends Error {
  override name = 'MalformedProtobufError';
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i];
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [result, i + 1];
    shift += 7n;
  }
  throw new MalformedProtobufError(`truncated or overlong varint at byte ${at}`);
}

/** The records of one message, in order (repeated fields appear once per element). */
export function* readRecords(buf: Buffer): Generator<WireRecord> {
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new MalformedProtobufError(`field number 0 at byte ${at}`);
    at = next;
    if (wireType === WireType.Varint) {
      const [value, after] = readVarint(buf, at);
      at = after;
      yield { number, wireType, value };
    } else if (wireType === WireType.LengthDelimited) {
      const [length, after] = readVarint(buf, at);
      const end = after + Number(length);
      if (end > buf.length) throw new MalformedProtobufError(`field ${number} claims ${length} bytes at byte ${after}, past the end of the message`);
      at = end;
      yield { number, wireType, value: buf.subarray(after, end) };
    } else if (wireType === WireType.Fixed64 || wireType === WireType.Fixed32) {
      const size = wireType === WireType.Fixed64 ? 8 : 4;
      if (at + size > buf.length) throw new MalformedProtobufError(`field ${number} is truncated at byte ${at}`);
      yield { number, wireType, value: buf.subarray(at, at + size) };
      at += size;
    } else {
      throw new MalformedProtobufError(`field ${number} has unsupported wire type ${wireType} at byte ${at}`);
    }
  }
}

/** A varint as the signed 64-bit integer Go wrote (negative int32s are sign-extended to ten bytes). */
export function signedInteger(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}
