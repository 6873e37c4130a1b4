import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTar, TarFormatError, type TarEntry } from './tar-reader.ts';

/** One 512-byte header; numbers octal unless given as a ready-made field. */
function header(fields: { name: string; type?: string; size?: number | Buffer; uid?: number; linkname?: string; mode?: number }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100);
  block.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100);
  block.write(`${(fields.uid ?? 0).toString(8).padStart(7, '0')}\0`, 108);
  block.write('0000000\0', 116);
  if (Buffer.isBuffer(fields.size)) fields.size.copy(block, 124);
  else block.write(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(fields.type ?? '0', 156);
  block.write(fields.linkname ?? '', 157, 100);
  block.write('ustar\0', 257);
  block.write('00', 263);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

function body(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function pax(records: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(records)
      .map(([k, v]) => {
        const rest = ` ${k}=${v}\n`;
        let len = rest.length + 1;
        while (String(len).length + rest.length !== len) len++;
        return `${len}${rest}`;
      })
      .join(''),
  );
}

async function entries(parts: Buffer[], chunkSize = 100): Promise<Array<{ entry: TarEntry; data: string }>> {
  const all = Buffer.concat(parts);
  const chunks = (async function* () {
    for (let i = 0; i < all.length; i += chunkSize) yield all.subarray(i, i + chunkSize);
  })();
  const out = [];
  for await (const { entry, body: content } of readTar(chunks)) {
    let data = '';
    for await (const c of content) data += c.toString();
    out.push({ entry, data });
  }
  return out;
}

const END = Buffer.alloc(1024);

describe('readTar', () => {
  it('applies pax records (long path, large uid) to the next entry only', async () => {
    const longPath = `${'d'.repeat(120)}/file`;
    const records = pax({ path: longPath, uid: '4294967294' });
    const result = await entries([header({ name: 'PaxHeader', type: 'x', size: records.length }), body(records), header({ name: 'short', size: 2 }), body(Buffer.from('hi')), header({ name: 'next/', type: '5', mode: 0o755 }), END]);
    assert.deepEqual(
      result.map((r) => [r.entry.path, r.entry.type, r.entry.uid, r.data]),
      [
        [longPath, 'file', 4294967294, 'hi'],
        ['next', 'directory', 0, ''],
      ],
    );
  });

  it('reads GNU long names and link names, and base-256 sizes', async () => {
    const name = Buffer.from(`${'n'.repeat(150)}\0`);
    const target = Buffer.from(`${'t'.repeat(130)}\0`);
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size.writeUInt32BE(3, 8);
    const result = await entries([
      header({ name: '././@LongLink', type: 'L', size: name.length }),
      body(name),
      header({ name: 'cut', size }),
      body(Buffer.from('abc')),
      header({ name: '././@LongLink', type: 'K', size: target.length }),
      body(target),
      header({ name: 'link', type: '2' }),
      END,
    ]);
    assert.deepEqual(
      result.map((r) => [r.entry.path, r.entry.type, r.entry.linkname, r.data]),
      [
        ['n'.repeat(150), 'file', '', 'abc'],
        ['link', 'symlink', 't'.repeat(130), ''],
      ],
    );
  });

  it('skips bodies the reader leaves unread', async () => {
    const all = Buffer.concat([header({ name: 'a', size: 700 }), body(Buffer.alloc(700, 1)), header({ name: 'b', size: 1 }), body(Buffer.from('x')), END]);
    const names = [];
    for await (const { entry } of readTar((async function* () { yield all; })())) names.push(entry.path);
    assert.deepEqual(names, ['a', 'b']);
  });

  it('refuses garbage and archives cut short', async () => {
    await assert.rejects(entries([Buffer.alloc(512, 'x')]), /checksum mismatch/);
    await assert.rejects(entries([header({ name: 'a', size: 1000 }), Buffer.alloc(100)]), (err: unknown) => err instanceof TarFormatError && /unexpected end/.test(err.message));
    await assert.rejects(entries([header({ name: 'sparse', type: 'S' }), END]), /unsupported tar entry type 'S'/);
  });
});
