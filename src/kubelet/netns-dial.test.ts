import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { text } from 'node:stream/consumers';
import { dialInNetns } from './netns-dial.ts';
import { canMakeNetns, startNetnsServer, type NetnsServer } from './probes/netns-server.test-support.ts';

function get(stream: import('node:stream').Duplex, path: string): Promise<string> {
  stream.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`);
  return text(stream);
}

describe('dialInNetns inside a network namespace', { skip: !canMakeNetns && 'needs root to make network namespaces' }, () => {
  let server: NetnsServer;
  before(async () => {
    server = await startNetnsServer();
  });
  after(() => server?.cleanup());

  test('reaches a server listening on the namespace loopback', async () => {
    const stream = await dialInNetns(server.netnsPath, '127.0.0.1', server.port);
    const reply = await get(stream, '/ok');
    assert.match(reply, /^HTTP\/1\.1 200 OK/);
    assert.match(reply, /fine$/);
  });

  test('a closed port is refused like a plain socket', async () => {
    await assert.rejects(dialInNetns(server.netnsPath, '127.0.0.1', 1), {
      code: 'ECONNREFUSED',
      message: 'dial tcp 127.0.0.1:1: connect: connection refused',
    });
  });

  test('the host namespace does not see the pod loopback port', async () => {
    // The same port number on the host loopback is (almost surely) not the pod server's.
    const reply = await dialInNetns(undefined, '127.0.0.1', server.port).then(
      (s) => get(s, '/ok'),
      () => 'refused',
    );
    assert.doesNotMatch(reply, /fine$/);
  });

  test('a missing namespace is an error, not a hang', async () => {
    await assert.rejects(dialInNetns('/run/netns/skiff-no-such-netns', '127.0.0.1', 80));
  });
});

describe('dialInNetns on the host network', () => {
  test('connects with net.connect and reports refusals', async () => {
    const srv = net.createServer((s) => s.end('hello'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const stream = await dialInNetns(undefined, '127.0.0.1', port);
      assert.equal(await text(stream), 'hello');
      await assert.rejects(dialInNetns(undefined, '127.0.0.1', 1), { code: 'ECONNREFUSED', message: 'dial tcp 127.0.0.1:1: connect: connection refused' });
    } finally {
      srv.close();
    }
  });
});
