import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFields } from './protobuf-decoder.test-support.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

const hex = (b: Buffer) => b.toString('hex');

describe('ProtobufWriter', () => {
  test('writes the encodings of the protobuf documentation examples', () => {
    assert.equal(hex(new ProtobufWriter().varint(1, 150).finish()), '089601');
    assert.equal(hex(new ProtobufWriter().string(2, 'testing').finish()), '120774657374696e67');
    assert.equal(hex(new ProtobufWriter().message(3, (w) => w.varint(1, 150)).finish()), '1a03089601');
  });

  test('leaves out scalars at their proto3 default, but writes empty nested messages', () => {
    const w = new ProtobufWriter().string(1, '').bool(2, false).double(3, 0).varint(4, 0).string(5, undefined).message(6, () => {});
    assert.equal(hex(w.finish()), '3200');
  });

  test('encodes bools as varints, doubles as little-endian fixed64, and large field numbers', () => {
    const fields = decodeFields(new ProtobufWriter().bool(31, true).double(7, 1.5).finish());
    assert.deepEqual(
      fields.map((f) => [f.field, f.wireType]),
      [
        [31, 0],
        [7, 1],
      ],
    );
    assert.equal(fields[0].varint, 1n);
    assert.equal(fields[1].fixed64!.readDoubleLE(), 1.5);
  });

  test('writes negative int64 as ten-byte two’s complement and large values exactly', () => {
    const [neg, big] = decodeFields(new ProtobufWriter().varint(1, -1).varint(2, 2n ** 62n + 3n).finish());
    assert.equal(neg.varint, 2n ** 64n - 1n);
    assert.equal(big.varint, 2n ** 62n + 3n);
    assert.equal(hex(new ProtobufWriter().varint(1, -1).finish()), '08ffffffffffffffffff01');
  });

  test('writes repeated fields once per element, in order, empty strings included', () => {
    const buf = new ProtobufWriter()
      .strings(1, ['a', '', 'ç'])
      .messages(2, [1, 2], (w, n) => w.varint(1, n))
      .finish();
    const fields = decodeFields(buf);
    assert.deepEqual(
      fields.filter((f) => f.field === 1).map((f) => f.bytes!.toString('utf8')),
      ['a', '', 'ç'],
    );
    assert.deepEqual(
      fields.filter((f) => f.field === 2).map((f) => decodeFields(f.bytes!)[0].varint),
      [1n, 2n],
    );
  });

  test('nests messages whose length needs a multi-byte varint', () => {
    const long = 'x'.repeat(300);
    const buf = new ProtobufWriter().message(5, (w) => w.message(1, (inner) => inner.string(2, long))).finish();
    const outer = decodeFields(buf);
    assert.equal(outer.length, 1);
    const middle = decodeFields(outer[0].bytes!);
    const inner = decodeFields(middle[0].bytes!);
    assert.equal(inner[0].field, 2);
    assert.equal(inner[0].bytes!.toString(), long);
  });

  test('rejects a varint that is not an integer', () => {
    assert.throws(() => new ProtobufWriter().varint(1, 1.5), RangeError);
  });
});
