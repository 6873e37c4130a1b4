/**
 * The kubelet server over real TLS and real WebSockets, against a fake runtime (exec echoes
 * stdin) and real log files, FIFOs and TCP sockets.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { appendFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { createCertificateAuthority, issueCertificate, type KeyPair } from '../../apiserver/auth/certificates.ts';
import { formatRecord } from '../logs/cri-log-format.ts';
import type { ContainerStatus, ExecOptions } from '../runtime/runtime.ts';
import { startKubeletServer, type RunningKubeletServer } from './kubelet-server.ts';
import { rawWebSocket } from './raw-websocket.test-support.ts';
import { SpdyTestClient, until } from './spdy-client.test-support.ts';

let dir: string;
let ca: KeyPair;
let apiClient: KeyPair;
let stranger: KeyPair;
let server: RunningKubeletServer;
let echoServer: net.Server;
let stdinFifo: string;
let stdinReader: Awaited<ReturnType<typeof open>>;
const running = new Map<string, boolean>();
const resizes: { width: number; height: number }[] = [];

function record(stream: 'stdout' | 'stderr', text: string, complete = true): Buffer {
  return formatRecord('2026-11-26T12:00:00.000000000Z', stream, complete, Buffer.from(text));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-server-'));
  ca = await createCertificateAuthority('test-ca', { days: 1 });
  apiClient = await issueCertificate(ca, { subject: { commonName: 'system:kube-apiserver-kubelet-client' }, usage: 'client', days: 1 });
  stranger = await issueCertificate(ca, { subject: { commonName: 'system:node:other', organizations: ['system:nodes'] }, usage: 'client', days: 1 });
  await writeFile(join(dir, 'app-0.log'), Buffer.concat([record('stdout', 'line one'), record('stderr', 'line two'), record('stdout', 'line three')]));
  await writeFile(join(dir, 'app-prev.log'), record('stdout', 'the previous attempt'));
  await writeFile(join(dir, 'follow.log'), record('stdout', 'started'));
  await writeFile(join(dir, 'attach.log'), record('stdout', 'before attach'));
  stdinFifo = join(dir, 'stdin');
  await promisify(execFile)('mkfifo', [stdinFifo]);
  stdinReader = await open(stdinFifo, constants.O_RDWR);
  running.set('app-id', true).set('follow-id', true).set('attach-id', true);
  echoServer = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  const echoPort = (echoServer.address() as net.AddressInfo).port;

  server = await startKubeletServer({
    port: 0,
    host: '127.0.0.1',
    clientCaPem: ca.certPem,
    runtime: {
      async containerStatus(id: string) {
        return { id, state: running.get(id) ? 'running' : 'exited' } as ContainerStatus;
      },
      async exec(_id: string, argv: string[], options: ExecOptions) {
        if (argv[0] === 'resize') {
          for await (const size of options.resize!) {
            resizes.push(size);
            if (resizes.length === 2) break;
          }
          options.stdout!.write('resized');
          return { exitCode: 0 };
        }
        options.stderr?.write(`running ${argv.join(' ')}\n`);
        if (options.stdin) for await (const chunk of options.stdin as Readable) (options.stdout as Writable).write(chunk);
        return { exitCode: Number(argv[argv.length - 1]) || 0 };
      },
    },
    logs: {
      pathFor: (pod, container, previous) => {
        if (pod.name !== 'web') return undefined;
        if (container === 'app') return join(dir, previous ? 'app-prev.log' : 'app-0.log');
        if (previous) return undefined;
        return join(dir, `${container}.log`);
      },
    },
    podLookup: (ns, name) =>
      ns === 'default' && name === 'web' ? { uid: 'uid-1', containers: { app: 'app-id', follow: 'follow-id', attach: 'attach-id' } } : undefined,
    containerStdin: (id) => (id === 'attach-id' ? stdinFifo : undefined),
    dial: async (_netns, port) => {
      if (port !== 80) throw new Error(`dial tcp 127.0.0.1:${port}: connect: connection refused`);
      return net.connect(echoPort, '127.0.0.1');
    },
  });
});

after(async () => {
  await server?.stop();
  echoServer?.close();
  await stdinReader?.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, cert: KeyPair | null = apiClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port: server.port, path, rejectUnauthorized: false, cert: cert?.certPem, key: cert?.keyPem },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
  });
}

function connect(path: string, protocols: string[]): Promise<WebSocket> {
  const ws = new WebSocket(`wss://127.0.0.1:${server.port}${path}`, protocols, { rejectUnauthorized: false, cert: apiClient.certPem, key: apiClient.keyPem });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    ws.once('error', reject);
  });
}

/** Collects a remote-command session's output per channel until the server closes. */
async function session(ws: WebSocket, onOpen?: (ws: WebSocket) => void) {
  const channels: Record<number, string> = {};
  ws.on('message', (m: Buffer) => (channels[m[0]] = (channels[m[0]] ?? '') + m.subarray(1).toString()));
  onOpen?.(ws);
  await once(ws, 'close');
  return { stdout: channels[1] ?? '', stderr: channels[2] ?? '', status: JSON.parse(channels[3]) };
}

test('containerLogs serves the log with tailLines, timestamps and previous', async () => {
  assert.deepEqual(await get('/containerLogs/default/web/app'), { status: 200, body: 'line one\nline two\nline three\n' });
  assert.equal((await get('/containerLogs/default/web/app?tailLines=1&timestamps=true')).body, '2026-11-26T12:00:00.000000000Z line three\n');
  assert.equal((await get('/containerLogs/default/web/app?previous=true')).body, 'the previous attempt\n');
});

test('containerLogs explains what is missing', async () => {
  const missingPod = await get('/containerLogs/default/nope/app');
  assert.equal(missingPod.status, 404);
  const noPrevious = await get('/containerLogs/default/web/follow?previous=true');
  assert.equal(noPrevious.status, 400);
  assert.equal(JSON.parse(noPrevious.body).message, 'previous terminated container "follow" in pod "web" not found');
  const waiting = await get('/containerLogs/default/web/sidecar');
  assert.equal(JSON.parse(waiting.body).message, 'container "sidecar" in pod "web" is waiting to start: ContainerCreating');
});

test('containerLogs follow streams until the container exits', async () => {
  const body = new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port: server.port, path: '/containerLogs/default/web/follow?follow=true', rejectUnauthorized: false, cert: apiClient.certPem, key: apiClient.keyPem }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', async (d) => {
          text += d;
          if (text === 'started\n') await appendFile(join(dir, 'follow.log'), record('stdout', 'more'));
          if (text === 'started\nmore\n') {
            await appendFile(join(dir, 'follow.log'), record('stdout', 'last'));
            running.set('follow-id', false);
          }
        });
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.equal(await body, 'started\nmore\nlast\n');
});

test('requests without a cluster client certificate, or from other users, are refused', async () => {
  assert.equal((await get('/containerLogs/default/web/app', null)).status, 401);
  const other = await get('/containerLogs/default/web/app', stranger);
  assert.equal(other.status, 403);
});

test('exec over v5 runs the command with stdin until the close signal, and reports the exit code', async () => {
  const ws = await connect('/exec/default/web/app?command=sh&command=-c&command=7&stdin=true&stdout=true&stderr=true', ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  assert.equal(ws.protocol, 'v5.channel.k8s.io');
  const result = await session(ws, (w) => {
    w.send(Buffer.concat([Buffer.of(0), Buffer.from('hello ')]));
    w.send(Buffer.concat([Buffer.of(0), Buffer.from('world')]));
    w.send(Buffer.of(255, 0));
  });
  assert.equal(result.stdout, 'hello world');
  assert.equal(result.stderr, 'running sh -c 7\n');
  assert.equal(result.status.status, 'Failure');
  assert.equal(result.status.reason, 'NonZeroExitCode');
  assert.deepEqual(result.status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
});

test('exec over v4 without stdin succeeds with a Success status', async () => {
  const ws = await connect('/exec/default/web/app?command=true&stdout=true&stderr=true', ['v4.channel.k8s.io']);
  assert.equal(ws.protocol, 'v4.channel.k8s.io');
  const result = await session(ws);
  assert.deepEqual(result.status, { metadata: {}, status: 'Success' });
});

test('exec with a tty passes terminal resizes', async () => {
  const ws = await connect('/exec/default/web/app?command=resize&stdout=true&tty=true&stdin=true', ['v5.channel.k8s.io']);
  const result = await session(ws, (w) => {
    w.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":80,"Height":24}')]));
    w.send(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":100,"Height":40}')]));
  });
  assert.equal(result.stdout, 'resized');
  assert.deepEqual(resizes, [{ width: 80, height: 24 }, { width: 100, height: 40 }]);
});

test('exec in a container that is not there fails before the upgrade', async () => {
  await assert.rejects(connect('/exec/default/web/sidecar?command=ls&stdout=true', ['v5.channel.k8s.io']), /400 .*waiting to start/);
  await assert.rejects(connect('/exec/default/web/app?command=ls&stdout=true', ['base64.channel.k8s.io']), /400 .*unsupported remote command protocols/);
});

test('attach writes to the container stdin FIFO and streams new log output', async () => {
  const ws = await connect('/attach/default/web/attach?stdin=true&stdout=true&stderr=true', ['v5.channel.k8s.io']);
  const channels: Record<number, string> = {};
  const received = new Promise<void>((resolve) => {
    ws.on('message', async (m: Buffer) => {
      channels[m[0]] = (channels[m[0]] ?? '') + m.subarray(1).toString();
      if (channels[1] === 'echo: hi\n' && channels[2] === 'warn\n') resolve();
    });
  });
  ws.send(Buffer.concat([Buffer.of(0), Buffer.from('hi\n')]));
  const buffer = Buffer.alloc(3);
  const { bytesRead } = await stdinReader.read(buffer, 0, 3, null);
  assert.equal(buffer.subarray(0, bytesRead).toString(), 'hi\n');
  await appendFile(join(dir, 'attach.log'), Buffer.concat([record('stdout', 'echo: hi'), record('stderr', 'warn')]));
  await received;
  running.set('attach-id', false);
  await once(ws, 'close');
  assert.equal(channels[1], 'echo: hi\n', 'output from before the attach is not replayed');
  assert.equal(JSON.parse(channels[3]).status, 'Success');
});

test('port-forward over SPDY tunnelled in a WebSocket, as kubectl 1.32 does it', async () => {
  const ws = await rawWebSocket({ port: server.port, path: '/portForward/default/web', protocol: 'SPDY/3.1+portforward.k8s.io', cert: apiClient.certPem, key: apiClient.keyPem });
  assert.equal(ws.protocol, 'SPDY/3.1+portforward.k8s.io');
  const client = new SpdyTestClient((data) => ws.send(data));
  ws.on('message', (m: Buffer) => client.receive(m));
  try {
    const error = client.open({ streamType: 'error', port: '80', requestID: '0' });
    error.end();
    const data = client.open({ streamType: 'data', port: '80', requestID: '0' });
    await until(data, (s) => s.replied);
    data.write('ping over the tunnel');
    await until(data, (s) => s.text() === 'ping over the tunnel');
    data.end();
    await until(data, (s) => s.ended);
    await until(error, (s) => s.ended);
    assert.equal(error.text(), '');

    const badError = client.open({ streamType: 'error', port: '81', requestID: '1' });
    const badData = client.open({ streamType: 'data', port: '81', requestID: '1' });
    await until(badError, (s) => s.ended);
    assert.match(badError.text(), /^error forwarding port 81 to pod default\/web, uid uid-1: .*connection refused/);
    await until(badData, (s) => s.ended);

    client.ping(7);
    await new Promise((resolve) => client.events.once('ping', resolve));
    assert.deepEqual(client.pings, [7]);
  } finally {
    client.close();
    ws.close();
  }
});

test('port-forward over the WebSocket channel protocol (client-node)', async () => {
  const ws = await connect('/portForward/default/web?ports=80', ['v4.channel.k8s.io']);
  const channels: Buffer[][] = [[], []];
  const echoed = new Promise<void>((resolve) => {
    ws.on('message', (m: Buffer) => {
      channels[m[0]].push(m.subarray(1));
      if (Buffer.concat(channels[0].slice(1)).toString() === 'abc') resolve();
    });
  });
  ws.send(Buffer.concat([Buffer.of(0), Buffer.from('abc')]));
  await echoed;
  assert.equal(channels[0][0].readUInt16LE(0), 80);
  assert.equal(channels[1][0].readUInt16LE(0), 80);
  ws.close();
});
