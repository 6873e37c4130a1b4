import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeHttpTransport, readJson } from './transport.ts';

/** A server that answers /fast at once, never answers /silent, and stops /stalled's body half-way. */
async function server(): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<http.ServerResponse>();
  const s = http.createServer((req, res) => {
    if (req.url === '/fast') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    open.add(res);
    if (req.url === '/stalled') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('{"ok":');
    }
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: async () => {
      for (const res of open) res.destroy();
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    },
  };
}

test('a request unanswered after timeoutMs fails; requests answered in time, before and after, are unaffected', async () => {
  const srv = await server();
  const transport = new NodeHttpTransport({ server: srv.url });
  try {
    const before = await transport.request({ method: 'GET', path: '/fast', timeoutMs: 10_000 });
    assert.deepEqual(await readJson(before), { ok: true });
    const during = transport.request({ method: 'GET', path: '/fast', timeoutMs: 10_000 });
    await assert.rejects(transport.request({ method: 'GET', path: '/silent', timeoutMs: 200 }), /GET \/silent: no answer in 200 ms/);
    assert.deepEqual(await readJson(await during), { ok: true });
    const after = await transport.request({ method: 'GET', path: '/fast', timeoutMs: 10_000 });
    assert.deepEqual(await readJson(after), { ok: true });
  } finally {
    transport.close();
    await srv.close();
  }
});

test('a body still incomplete after timeoutMs fails its stream', async () => {
  const srv = await server();
  const transport = new NodeHttpTransport({ server: srv.url });
  try {
    const res = await transport.request({ method: 'GET', path: '/stalled', timeoutMs: 200 });
    assert.equal(res.status, 200);
    await assert.rejects(readJson(res), /no answer in 200 ms|ended before its body was complete/);
  } finally {
    transport.close();
    await srv.close();
  }
});
