import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, parseFrames, SpdyServerSession, type SpdyStream } from './spdy-session.ts';
import { SpdyTestClient, until } from './spdy-client.test-support.ts';

test('frames round-trip, and a partial frame waits for its rest', () => {
  const bytes = Buffer.concat([controlFrame(6, 0, Buffer.of(0, 0, 0, 1)), dataFrame(3, 1, Buffer.from('abc'))]);
  const whole = parseFrames(bytes);
  assert.deepEqual(whole.frames, [
    { control: true, type: 6, flags: 0, payload: Buffer.of(0, 0, 0, 1) },
    { control: false, streamId: 3, flags: 1, payload: Buffer.from('abc') },
  ]);
  assert.equal(whole.rest.length, 0);
  const partial = parseFrames(bytes.subarray(0, bytes.length - 1));
  assert.equal(partial.frames.length, 1);
  assert.equal(partial.rest.length, 10);
});

test('header blocks lower-case names and keep the first of several values', () => {
  const block = encodeHeaderBlock({ streamType: 'data', Port: '8080\u0000ignored' });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: 'data', port: '8080' });
});

test('a session replies to each stream, delivers data and FIN both ways, and echoes pings', async () => {
  let client!: SpdyTestClient;
  const session = new SpdyServerSession((bytes) => setImmediate(() => client.receive(bytes)));
  client = new SpdyTestClient((bytes) => setImmediate(() => session.receive(bytes)));
  const accepted: SpdyStream[] = [];
  session.on('stream', (s: SpdyStream) => {
    accepted.push(s);
    let text = '';
    s.on('data', (d) => (text += d));
    s.on('end', () => s.end(`got ${text}`));
  });
  try {
    const streams = [client.open({ streamtype: 'data', requestid: '1' }), client.open({ streamtype: 'data', requestid: '2' })];
    streams[0].write('first');
    streams[1].write('second');
    streams.forEach((s) => s.end());
    await Promise.all(streams.map((s) => until(s, (x) => x.ended)));
    assert.deepEqual(streams.map((s) => [s.replied, s.text()]), [[true, 'got first'], [true, 'got second']]);
    assert.deepEqual(accepted.map((s) => s.headers.requestid), ['1', '2']);
    client.ping(3);
    await new Promise((resolve) => client.events.once('ping', resolve));
    assert.deepEqual(client.pings, [3]);
  } finally {
    session.close();
    client.close();
  }
});
