/**
 * For tests: a fresh network namespace (loopback up) with a small HTTP server inside it, as a
 * pod's sandbox would have. Needs root and iproute2; `cleanup` removes both.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** HTTP routes: /ok 200, /fail 500, /same-host-redirect → /ok, /other-host-redirect → elsewhere, /slow never answers, /headers echoes request headers. */
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url === '/ok') return res.end('fine');
  if (req.url === '/fail') { res.statusCode = 500; return res.end('broken'); }
  if (req.url === '/same-host-redirect') { res.writeHead(302, { location: '/ok' }); return res.end(); }
  if (req.url === '/loop') { res.writeHead(302, { location: '/loop' }); return res.end(); }
  if (req.url === '/other-host-redirect') { res.writeHead(302, { location: 'http://other.invalid/x' }); return res.end('moved'); }
  if (req.url === '/slow') return;
  if (req.url === '/headers') return res.end(JSON.stringify(req.headers));
  res.statusCode = 404; res.end('not found');
});
// gRPC health: service "" is SERVING, "sick" NOT_SERVING, "missing" is answered Unimplemented.
const grpc = require('node:http2').createServer();
grpc.on('stream', (stream) => {
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('end', () => {
    const service = Buffer.concat(chunks).subarray(7).toString();
    if (service === 'missing') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.from([0, 0, 0, 0, 2, 8, service === 'sick' ? 2 : 1]));
  });
});
server.listen(0, '127.0.0.1', () => grpc.listen(0, '127.0.0.1', () => console.log(server.address().port, grpc.address().port)));
`;

export interface NetnsServer {
  netnsPath: string;
  /** The HTTP server's port. */
  port: number;
  /** The gRPC health server's port. */
  grpcPort: number;
  cleanup(): Promise<void>;
}

/** Whether this process can make network namespaces (root); tests skip otherwise. */
export const canMakeNetns = process.getuid?.() === 0;

export async function startNetnsServer(): Promise<NetnsServer> {
  const name = `skiff-test-${randomBytes(4).toString('hex')}`;
  await run('ip', ['netns', 'add', name]);
  const netnsPath = `/run/netns/${name}`;
  const server = spawn('nsenter', [`--net=${netnsPath}`, process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const cleanup = async () => {
    server.kill('SIGKILL');
    await run('ip', ['netns', 'delete', name]).catch(() => {});
  };
  try {
    await run('nsenter', [`--net=${netnsPath}`, 'ip', 'link', 'set', 'lo', 'up']);
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const [port, grpcPort] = String(line).trim().split(' ').map(Number);
    return { netnsPath, port, grpcPort, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
