/**
 * The lean HTTP/1.1 client against real servers on loopback: node:http where any server will
 * do, and raw TCP servers where the test needs a server that misbehaves in a precise way.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { Http1Client } from './http1-client.ts';

const servers: { close(): unknown }[] = [];
after(() => {
  for (const s of servers) s.close();
});

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function clientFor(port: number): Http1Client {
  return new Http1Client({ host: `127.0.0.1:${port}`, connect: () => connect({ host: '127.0.0.1', port }) });
}

/** A raw server: `answer` gets each connection's received text so far, and the socket. */
async function rawServer(answer: (received: string, socket: Socket) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    let received = '';
    socket.on('data', (d) => {
      received += d.toString('latin1');
      answer(received, socket);
    });
    socket.on('error', () => {});
  });
  return { port: await listen(server), connections: () => connections };
}

describe('Http1Client', () => {
  it('sends method, path, headers and body, and reads a Content-Length answer, on one kept-alive connection', async () => {
    const seen: string[] = [];
    const ports = new Set<number>();
    const port = await listen(
      createHttpServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          ports.add(req.socket.remotePort!);
          seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers.host} ${body}`);
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-Two': ['a', 'b'] });
          res.end(JSON.stringify({ got: body.length, héllo: 'wörld' }));
        });
      }),
    );
    const client = clientFor(port);
    try {
      for (const n of [1, 2]) {
        const res = await client.exchange({ method: 'POST', path: `/x?n=${n}`, headers: { 'Content-Type': 'application/json' }, body: '{"ü":1}' });
        assert.equal(res.status, 201);
        assert.equal(res.headers['content-type'], 'application/json');
        assert.equal(res.headers['x-two'], 'a, b');
        assert.deepEqual(JSON.parse(res.text), { got: 7, héllo: 'wörld' });
      }
      assert.deepEqual(seen, [`POST /x?n=1 application/json 127.0.0.1:${port} {"ü":1}`, `POST /x?n=2 application/json 127.0.0.1:${port} {"ü":1}`]);
      assert.equal(ports.size, 1, 'the second request reused the first connection');
    } finally {
      client.close();
    }
  });

  it('reads a chunked answer that comes in many pieces, large ones included', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const port = await listen(
      createHttpServer(async (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        for (const part of ['first,', 'second,', big, ',last']) {
          res.write(part);
          await new Promise((r) => setTimeout(r, 5));
        }
        res.end();
      }),
    );
    const client = clientFor(port);
    try {
      const res = await client.exchange({ method: 'GET', path: '/', headers: {} });
      assert.equal(res.status, 200);
      assert.equal(res.text.length, 'first,second,'.length + big.length + ',last'.length);
      assert.ok(res.text.startsWith('first,second,xxx') && res.text.endsWith('xxx,last'));
      // The connection is still good for the next exchange.
      assert.equal((await client.exchange({ method: 'GET', path: '/', headers: {} })).text.length, res.text.length);
    } finally {
      client.close();
    }
  });

  it('parses chunk sizes and data split at every byte boundary', async () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';
    const { port } = await rawServer((received, socket) => {
      if (!received.endsWith('\r\n\r\n')) return;
      // One byte per write, each pushed out on its own.
      void (async () => {
        for (const ch of wire) {
          socket.write(ch);
          await new Promise((r) => setImmediate(r));
        }
      })();
    });
    const client = clientFor(port);
    try {
      const res = await client.exchange({ method: 'GET', path: '/', headers: {} });
      assert.equal(res.text, 'hello, world');
    } finally {
      client.close();
    }
  });

  it('skips an interim 100 Continue, reads a body that ends with the connection, and then connects again', async () => {
    const { port, connections } = await rawServer((received, socket) => {
      if (!received.endsWith('\r\n\r\n')) return;
      socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    });
    const client = clientFor(port);
    try {
      assert.equal((await client.exchange({ method: 'GET', path: '/', headers: {} })).text, 'until the end');
      assert.equal((await client.exchange({ method: 'GET', path: '/', headers: {} })).text, 'until the end');
      assert.equal(connections(), 2);
    } finally {
      client.close();
    }
  });

  it('does not reuse a connection the answer closes, nor one the server closed while it was idle', async () => {
    let answered = 0;
    const { port, connections } = await rawServer((received, socket) => {
      if (!received.endsWith('\r\n\r\n')) return;
      answered++;
      if (answered === 1) socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        // Kept alive by the answer, then closed by the server while the client holds it idle.
        setTimeout(() => socket.end(), 20);
      }
    });
    const client = clientFor(port);
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal((await client.exchange({ method: 'GET', path: '/', headers: {} })).text, 'ok');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(connections(), 3);
    } finally {
      client.close();
    }
  });

  it('fails with ECONNRESET when the answer is cut short, ECONNREFUSED when nobody listens, and at its deadline', async () => {
    const cut = await rawServer((received, socket) => {
      if (received.endsWith('\r\n\r\n')) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
    });
    const silent = await rawServer(() => {});
    const refused = await listen(createTcpServer());
    servers.pop()!.close();
    const clients = [clientFor(cut.port), clientFor(silent.port), clientFor(refused)];
    try {
      await assert.rejects(clients[0].exchange({ method: 'GET', path: '/', headers: {} }), { code: 'ECONNRESET' });
      await assert.rejects(clients[1].exchange({ method: 'GET', path: '/slow', headers: {}, timeoutMs: 100 }), /GET \/slow: no answer in 100 ms/);
      await assert.rejects(clients[2].exchange({ method: 'GET', path: '/', headers: {} }), { code: 'ECONNREFUSED' });
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('refuses what is not an HTTP/1.x answer', async () => {
    const { port } = await rawServer((received, socket) => {
      if (received.endsWith('\r\n\r\n')) socket.write('SSH-2.0-OpenSSH\r\n\r\n');
    });
    const client = clientFor(port);
    try {
      await assert.rejects(client.exchange({ method: 'GET', path: '/', headers: {} }), /not an HTTP\/1\.x response/);
    } finally {
      client.close();
    }
  });
});
