/**
 * A minimal protocol buffers (proto3) encoder: just the wire types the gnostic OpenAPI v2
 * message needs — varint (bool, int64), 64-bit (double) and length-delimited (string, nested
 * messages). Fields are written in call order; a repeated field is the same field
 * written once per element, which is how proto3 encodes repeated strings and messages.
 *
 * Scalars at their proto3 default ('' / false / 0) are left out, as proto3 does: a reader
 * cannot tell them from absent. Nested messages are always written, even when empty, because
 * their presence is observable (gnostic's readers test `GetProperties() != nil`).
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

export class ProtobufWriter {
  private buf = Buffer.allocUnsafe(64);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** A base-128 varint; negatives as 64-bit two's complement (ten bytes), as proto3 writes int64. */
  private writeVarint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
      this.reserve(5);
      let v = value;
      while (v >= 0x80) {
        this.buf[this.length++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.length++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.length++] = Number(v);
  }

  private tag(field: number, wireType: number): void {
    this.writeVarint(field * 8 + wireType);
  }

  private writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** int32/int64/uint64/enum fields; `value` must be an integer. */
  varint(field: number, value: number | bigint | undefined): this {
    if (value === undefined || value === 0 || value === 0n) return this;
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`protobuf varint field ${field}: ${value} is not an integer`);
    this.tag(field, WIRE_VARINT);
    this.writeVarint(value);
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (!value) return this;
    this.tag(field, WIRE_VARINT);
    this.writeVarint(1);
    return this;
  }

  double(field: number, value: number | undefined): this {
    if (value === undefined || value === 0) return this;
    this.tag(field, WIRE_FIXED64);
    this.reserve(8);
    this.buf.writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  string(field: number, value: string | undefined): this {
    if (!value) return this;
    this.lengthDelimited(field, Buffer.from(value, 'utf8'));
    return this;
  }

  /** A repeated string: one field per element, empty strings included (they are elements). */
  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.lengthDelimited(field, Buffer.from(v, 'utf8'));
    return this;
  }

  /** A nested message, written by `write` into its own writer; written even when it turns out empty. */
  message(field: number, write: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    this.lengthDelimited(field, inner.finish());
    return this;
  }

  /** A repeated message field: one nested message per element. */
  messages<T>(field: number, values: Iterable<T> | undefined, write: (w: ProtobufWriter, value: T) => void): this {
    for (const v of values ?? []) this.message(field, (w) => write(w, v));
    return this;
  }

  private lengthDelimited(field: number, payload: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.writeVarint(payload.length);
    this.writeBytes(payload);
  }

  /** The encoded message (a view of the writer's buffer: write nothing more after this). */
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
