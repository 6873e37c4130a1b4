import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseProtocol, decodeFrame, encodeFrame, exitStatus, parseResize } from './channel-protocol.ts';

test('frames carry their channel in the first byte', () => {
  assert.deepEqual([...encodeFrame(1, 'hi')], [1, 0x68, 0x69]);
  assert.deepEqual(decodeFrame(Buffer.of(255, 0)), { channel: 255, data: Buffer.of(0) });
  assert.equal(decodeFrame(Buffer.alloc(0)), undefined);
});

test('chooseProtocol takes the first offered protocol this side speaks', () => {
  const table: [string[], string | undefined][] = [
    [['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io'], 'v5.channel.k8s.io'],
    [['v3.channel.k8s.io', 'v4.channel.k8s.io'], 'v4.channel.k8s.io'],
    [['channel.k8s.io', 'base64.channel.k8s.io'], undefined],
    [[], undefined],
  ];
  for (const [offered, want] of table) assert.equal(chooseProtocol(offered), want, offered.join(','));
});

test('parseResize reads Width/Height and ignores anything else', () => {
  assert.deepEqual(parseResize(Buffer.from('{"Width":120,"Height":40}')), { width: 120, height: 40 });
  for (const bad of ['', '{', '{"width":1,"height":2}', '{"Width":"1","Height":2}']) assert.equal(parseResize(Buffer.from(bad)), undefined, bad);
});

test('exitStatus: Success for 0, NonZeroExitCode with the code as its cause otherwise', () => {
  assert.deepEqual(exitStatus(0, ['true']), { metadata: {}, status: 'Success' });
  const failed = exitStatus(42, ['sh', '-c', 'exit 42']);
  assert.equal(failed.status, 'Failure');
  assert.equal(failed.reason, 'NonZeroExitCode');
  assert.deepEqual(failed.details, { causes: [{ reason: 'ExitCode', message: '42' }] });
  assert.match(failed.message!, /exit code 42$/);
});
