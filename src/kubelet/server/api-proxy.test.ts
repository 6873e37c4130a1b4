/**
 * The whole streaming path with the real kubectl 1.32: kubectl → API server (authentication,
 * pod checks, relay) → kubelet server (client certificate from the cluster CA) → a runtime
 * that runs exec'd commands on the host. No runc needed: what is under test is the protocols
 * and the relay, which are the same whatever runs the command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { Exec, KubeConfig, PortForward } from '@kubernetes/client-node';
import { spawn as spawnPty } from 'node-pty';
import { findResource } from '../../api/catalogue.ts';
import { freePort, startTestCluster, type TestCluster } from '../../client/control-plane.test-support.ts';
import { formatRecord } from '../logs/cri-log-format.ts';
import { HostExecRuntime } from './host-exec-runtime.test-support.ts';
import { startKubeletServer, type RunningKubeletServer } from './kubelet-server.ts';

const KUBECTL = '/usr/bin/kubectl';
let cluster: TestCluster;
let kubelet: RunningKubeletServer;
let work: string;
let httpServer: http.Server;
const runtime = new HostExecRuntime();
const ns = `streams-${process.pid}`;

function resource(plural: string) {
  const r = findResource('', 'v1', plural);
  if (!r) throw new Error(plural);
  return r;
}

function record(stream: 'stdout' | 'stderr', text: string, time = '2026-11-26T12:00:00.000000000Z'): Buffer {
  return formatRecord(time, stream, true, Buffer.from(text));
}

function kubectlArgs(args: string[]): string[] {
  return ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', join(work, 'cache'), '-n', ns, ...args];
}

function kubectl(args: string[], stdin = '', env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, kubectlArgs(args), { env: { PATH: process.env.PATH, HOME: work, ...env }, timeout: 60_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 124, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** A long-running kubectl whose output can be awaited. */
function kubectlStream(args: string[], env: Record<string, string> = {}) {
  const child = spawn(KUBECTL, kubectlArgs(args), { env: { PATH: process.env.PATH, HOME: work, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 124)));
  return {
    child,
    output: () => out,
    async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        const more = new Promise<void>((resolve) => waiters.push(resolve));
        const code = await Promise.race([more.then(() => undefined), exited]);
        if (code !== undefined && !pattern.test(out)) throw new Error(`kubectl ${args.join(' ')} exited ${code} without printing ${pattern}:\n${out}`);
      }
    },
    exited,
  };
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-api-proxy-'));
  cluster = await startTestCluster();
  const caPem = await readFile(join(cluster.dataDir, 'server', 'tls', 'server-ca.crt'), 'utf8');
  await mkdir(join(work, 'logs'));
  await writeFile(join(work, 'logs', 'app-1.log'), Buffer.concat([record('stdout', 'hello from app'), record('stderr', 'a warning'), record('stdout', 'last line', '2026-11-26T12:00:01.000000000Z')]));
  await writeFile(join(work, 'logs', 'app-0.log'), record('stdout', 'before the restart'));
  await writeFile(join(work, 'logs', 'sidecar-0.log'), record('stdout', 'sidecar says hi'));
  await writeFile(join(work, 'logs', 'follow-0.log'), record('stdout', 'first'));
  await writeFile(join(work, 'logs', 'attach-0.log'), record('stdout', 'old output'));
  for (const id of ['app', 'sidecar', 'follow', 'attach']) runtime.running.set(id, true);

  httpServer = http.createServer((_req, res) => res.end('hello through port-forward\n'));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const httpPort = (httpServer.address() as net.AddressInfo).port;

  kubelet = await startKubeletServer({
    port: 0,
    host: '127.0.0.1',
    clientCaPem: caPem,
    runtime,
    logs: {
      pathFor: (_pod, container, previous) => {
        if (container === 'app') return join(work, 'logs', previous ? 'app-0.log' : 'app-1.log');
        return previous ? undefined : join(work, 'logs', `${container}-0.log`);
      },
    },
    podLookup: (namespace, name) =>
      namespace === ns && (name === 'web' || name === 'solo') ? { uid: 'uid', containers: { app: 'app', sidecar: 'sidecar', follow: 'follow', attach: 'attach' } } : undefined,
    containerStdin: () => undefined,
    // The "pod's" port 8080 is the test's HTTP server on the host.
    dial: async (_netns, port) => {
      if (port !== 8080) throw new Error(`dial tcp 127.0.0.1:${port}: connect: connection refused`);
      return net.connect(httpPort, '127.0.0.1');
    },
  });

  const { client } = cluster;
  await client.create(resource('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await client.create(resource('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${process.pid}` } });
  await client.patchStatus(resource('nodes'), undefined, `node-${process.pid}`, {
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  }, 'merge');
  const running = { running: { startedAt: '2026-11-26T12:00:00Z' } };
  const containers = ['app', 'sidecar', 'follow', 'attach'];
  await client.create(resource('pods'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: ns },
    spec: { nodeName: `node-${process.pid}`, containers: containers.map((name) => ({ name, image: 'busybox' })) },
  });
  await client.patchStatus(resource('pods'), ns, 'web', {
    status: {
      phase: 'Running',
      containerStatuses: containers.map((name) => ({
        name,
        image: 'busybox',
        imageID: '',
        ready: true,
        restartCount: name === 'app' ? 1 : 0,
        state: running,
        ...(name === 'app' ? { lastState: { terminated: { exitCode: 1, startedAt: '2026-11-26T11:00:00Z', finishedAt: '2026-11-26T11:59:00Z', containerID: 'runc://old' } } } : {}),
      })),
    },
  }, 'merge');
  await client.create(resource('pods'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'starting', namespace: ns },
    spec: { nodeName: `node-${process.pid}`, containers: [{ name: 'app', image: 'busybox' }] },
  });
  await client.create(resource('pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: ns }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
  // A node whose kubelet is not listening.
  await client.create(resource('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: `gone-${process.pid}` } });
  await client.patchStatus(resource('nodes'), undefined, `gone-${process.pid}`, {
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: await freePort() } } },
  }, 'merge');
  await client.create(resource('pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: ns }, spec: { nodeName: `gone-${process.pid}`, containers: [{ name: 'app', image: 'busybox' }] } });
  await client.patchStatus(resource('pods'), ns, 'orphan', { status: { phase: 'Running', containerStatuses: [{ name: 'app', image: 'busybox', imageID: '', ready: true, restartCount: 0, state: running }] } }, 'merge');
});

after(async () => {
  await kubelet?.stop();
  httpServer?.close();
  await cluster?.cleanup();
  await rm(work, { recursive: true, force: true });
});

test('kubectl logs: a container, --tail, --timestamps, --previous, --all-containers', async () => {
  const plain = await kubectl(['logs', 'web', '-c', 'app']);
  assert.equal(plain.stdout, 'hello from app\na warning\nlast line\n', plain.stderr);
  assert.equal((await kubectl(['logs', 'web', '-c', 'app', '--tail=1', '--timestamps'])).stdout, '2026-11-26T12:00:01.000000000Z last line\n');
  assert.equal((await kubectl(['logs', 'web', '-c', 'app', '--previous'])).stdout, 'before the restart\n');
  const all = await kubectl(['logs', 'web', '--all-containers', '--prefix']);
  assert.match(all.stdout, /\[pod\/web\/sidecar\] sidecar says hi/);
  assert.match(all.stdout, /\[pod\/web\/app\] hello from app/);
});

test('kubectl logs explains a container that has not started, or a missing previous one', async () => {
  const starting = await kubectl(['logs', 'starting']);
  assert.notEqual(starting.code, 0);
  assert.match(starting.stderr, /container "app" in pod "starting" is waiting to start: ContainerCreating/);
  const previous = await kubectl(['logs', 'web', '-c', 'sidecar', '--previous']);
  assert.match(previous.stderr, /previous terminated container "sidecar" in pod "web" not found/);
  const wrong = await kubectl(['logs', 'web', '-c', 'nope']);
  assert.match(wrong.stderr, /container nope is not valid for pod web/);
});

test('kubectl logs -f streams until the container exits', async () => {
  const follow = kubectlStream(['logs', '-f', 'web', '-c', 'follow']);
  await follow.waitFor(/first\n/);
  await appendFile(join(work, 'logs', 'follow-0.log'), record('stdout', 'second'));
  await follow.waitFor(/second\n/);
  runtime.running.set('follow', false);
  assert.equal(await follow.exited, 0);
  assert.equal(follow.output(), 'first\nsecond\n');
});

test('kubectl exec: output, stderr and the exit code come back', async () => {
  const result = await kubectl(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(result.stdout, 'out\n');
  assert.match(result.stderr, /^err\n/);
  assert.equal(result.code, 3);
  const ok = await kubectl(['exec', 'web', '-c', 'app', '--', 'true']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('kubectl exec -i passes stdin through to the end', async () => {
  const result = await kubectl(['exec', '-i', 'web', '-c', 'app', '--', 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello stdin\n');
  assert.equal(result.stdout, 'HELLO STDIN\ndone\n', result.stderr);
});

test('kubectl exec -it runs under a terminal', { timeout: 60_000 }, async () => {
  const pty = spawnPty(KUBECTL, kubectlArgs(['exec', '-it', 'web', '-c', 'app', '--', 'sh', '-c', 'tty; read line; stty size; echo "got $line"']), {
    cols: 100,
    rows: 30,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TERM: 'xterm' },
  });
  let out = '';
  let typed = false;
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  pty.onData((d) => {
    out += d;
    // Typed once the command runs; by then kubectl has sent the terminal's size.
    if (!typed && /\/dev\/pts\/\d+/.test(out)) {
      typed = true;
      pty.write('typed\r');
    }
  });
  assert.equal(await exited, 0, out);
  assert.match(out, /30 100/, 'the terminal size reaches the command');
  assert.match(out, /got typed/);
});

test('kubectl exec and cp over plain SPDY (older kubectl)', async () => {
  const spdy = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
  const failing = await kubectl(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo out; echo err >&2; exit 5'], '', spdy);
  assert.equal(failing.code, 5, failing.stderr);
  assert.equal(failing.stdout, 'out\n');
  assert.match(failing.stderr, /^err\n/);
  const piped = await kubectl(['exec', '-i', 'web', '-c', 'app', '--', 'tr', 'a-z', 'A-Z'], 'over spdy\n', spdy);
  assert.equal(piped.stdout, 'OVER SPDY\n', piped.stderr);
  const remoteDir = join(work, 'spdy-fs');
  await mkdir(remoteDir);
  await writeFile(join(work, 'spdy-upload.txt'), 'sent over spdy\n');
  const up = await kubectl(['cp', join(work, 'spdy-upload.txt'), `web:${remoteDir}/up.txt`, '-c', 'app'], '', spdy);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(await readFile(join(remoteDir, 'up.txt'), 'utf8'), 'sent over spdy\n');
});

test('kubectl cp copies into the container and back', async () => {
  const remoteDir = join(work, 'container-fs');
  await mkdir(remoteDir);
  await writeFile(join(work, 'upload.txt'), 'uploaded content\n');
  const up = await kubectl(['cp', join(work, 'upload.txt'), `web:${remoteDir}/upload.txt`, '-c', 'app']);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(await readFile(join(remoteDir, 'upload.txt'), 'utf8'), 'uploaded content\n');
  await writeFile(join(remoteDir, 'download.txt'), 'downloaded content\n');
  const down = await kubectl(['cp', `web:${remoteDir}/download.txt`, join(work, 'download.txt'), '-c', 'app']);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(await readFile(join(work, 'download.txt'), 'utf8'), 'downloaded content\n');
});

for (const [transport, env] of [
  ['SPDY tunnelled in a WebSocket', {}],
  ['plain SPDY (older kubectl)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
] as const) {
  test(`kubectl port-forward reaches a port in the pod over ${transport}`, async () => {
    const forward = kubectlStream(['port-forward', 'pod/web', ':8080'], env);
    try {
      const [, localPort] = await forward.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
      for (let i = 0; i < 2; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port: Number(localPort), path: '/', agent: false }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d) => (text += d));
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
        assert.equal(body, 'hello through port-forward\n');
      }
    } finally {
      forward.child.kill('SIGKILL');
      await forward.exited;
    }
  });
}

test('kubectl port-forward reports a port nobody listens on', async () => {
  const forward = kubectlStream(['port-forward', 'pod/web', ':9999']);
  try {
    const [, localPort] = await forward.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 9999/);
    const socket = net.connect(Number(localPort), '127.0.0.1');
    socket.on('error', () => undefined);
    await forward.waitFor(/error forwarding port 9999 to pod/);
    socket.destroy();
  } finally {
    forward.child.kill('SIGKILL');
    await forward.exited;
  }
});

test('kubectl attach shows what the container prints from then on', async () => {
  const attach = kubectlStream(['attach', 'web', '-c', 'attach']);
  await showsUpInAttach(attach);
  runtime.running.set('attach', false);
  const code = await attach.exited;
  assert.equal(code, 0, attach.output());
  assert.match(attach.output(), /new output/);
  assert.doesNotMatch(attach.output(), /old output/);
});

/**
 * Appends a line until the attach shows it: nothing outside says when the relay has started
 * following the log, and output before that is (rightly) not replayed.
 */
async function showsUpInAttach(attach: ReturnType<typeof kubectlStream>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!/new output/.test(attach.output())) {
    if (Date.now() > deadline) throw new Error(`kubectl attach never showed new output:\n${attach.output()}`);
    await appendFile(join(work, 'logs', 'attach-0.log'), record('stdout', 'new output'));
    await Promise.race([attach.waitFor(/new output/), new Promise((resolve) => setTimeout(resolve, 250))]);
  }
}

test('streaming requests for a pod with no node, or with an unreachable kubelet, fail clearly', async () => {
  const exec = await kubectl(['exec', 'pending', '--', 'true']);
  assert.notEqual(exec.code, 0);
  assert.match(exec.stderr, /pod pending does not have a host assigned/);
  const logs = await kubectl(['logs', 'pending']);
  assert.equal(logs.stdout, '');
  const unreachableLogs = await kubectl(['logs', 'orphan']);
  assert.notEqual(unreachableLogs.code, 0);
  assert.match(unreachableLogs.stderr, /the kubelet of node "gone-\d+" at 127\.0\.0\.1:\d+ is not reachable/);
  const unreachableExec = await kubectl(['exec', 'orphan', '--', 'true']);
  assert.notEqual(unreachableExec.code, 0);
  assert.match(unreachableExec.stderr, /is not reachable/);
});

test('@kubernetes/client-node: Exec reports the status, PortForward carries bytes', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.plane.kubeconfigPath);
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const status = await new Promise<{ status?: string; details?: { causes?: { message?: string }[] } }>((resolve, reject) => {
    new Exec(kc).exec(ns, 'web', 'app', ['sh', '-c', 'echo via client-node; exit 4'], stdout, null, null, false, resolve).catch(reject);
  });
  assert.equal(out, 'via client-node\n');
  assert.equal(status.status, 'Failure');
  assert.equal(status.details?.causes?.[0]?.message, '4');

  const output = new PassThrough();
  const input = new PassThrough();
  let received = '';
  const gotBody = new Promise<void>((resolve) => {
    output.on('data', (d) => {
      received += d;
      if (received.includes('hello through port-forward')) resolve();
    });
  });
  const ws = await new PortForward(kc).portForward(ns, 'web', [8080], output, null, input);
  input.write('GET / HTTP/1.0\r\n\r\n');
  await gotBody;
  (ws as { close(): void }).close();
  assert.match(received, /^HTTP\/1\.[01] 200/);
});
