import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { ContainerRuntime, ExecOptions } from '../runtime/runtime.ts';
import { canMakeNetns, startNetnsServer, type NetnsServer } from './netns-server.test-support.ts';
import { probe } from './prober.ts';
import type { ProbeTarget } from './target.ts';

/** A runtime whose exec runs a script: `exit N [output]`, `hang`, or anything else fails to start. */
function fakeRuntime(seen: string[][] = []): Pick<ContainerRuntime, 'exec'> {
  return {
    async exec(_id: string, argv: string[], options: ExecOptions) {
      seen.push(argv);
      if (argv[0] === 'hang') {
        await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve()));
        return { exitCode: 137 };
      }
      if (argv[0] === 'exit') {
        options.stdout?.write(argv.slice(2).join(' '));
        options.stderr?.write('x'.repeat(20_000));
        return { exitCode: Number(argv[1]) };
      }
      throw new Error(`exec failed: ${argv[0]}: not found`);
    },
  };
}

function target(container: Partial<Container> = {}, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  const c = { name: 'app', ...container };
  return { runtime: fakeRuntime(), containerId: 'c1', pod: { metadata: { name: 'p' }, spec: { containers: [c] } }, container: c, ...extra };
}

describe('exec probes', () => {
  test('exit 0 passes, output kept to 10 KiB', async () => {
    const r = await probe({ exec: { command: ['exit', '0', 'fine'] } }, target());
    assert.equal(r.outcome, 'success');
    assert.equal(Buffer.byteLength(r.output), 10 * 1024);
    assert.ok(r.output.startsWith('fine'));
  });
  test('non-zero exit fails with the output', async () => {
    const r = await probe({ exec: { command: ['exit', '1', 'sick'] } }, target());
    assert.equal(r.outcome, 'failure');
    assert.ok(r.output.startsWith('sick'));
  });
  test('a command outliving the timeout fails as upstream words it', async () => {
    assert.deepEqual(await probe({ exec: { command: ['hang', 'now'] }, timeoutSeconds: 1 }, target()), { outcome: 'failure', output: 'command "hang now" timed out' });
  });
  test('$(VAR) expands from literal env only', async () => {
    const seen: string[][] = [];
    await probe({ exec: { command: ['exit', '0', '$(A)', '$(B)'] } }, target({ env: [{ name: 'A', value: 'a' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }, { runtime: fakeRuntime(seen) }));
    assert.deepEqual(seen, [['exit', '0', 'a', '$(B)']]);
  });
  test('a runtime that cannot exec gives unknown', async () => {
    assert.equal((await probe({ exec: { command: ['nope'] } }, target())).outcome, 'unknown');
  });
});

describe('httpGet and tcpSocket probes inside a network namespace', { skip: !canMakeNetns && 'needs root to make network namespaces' }, () => {
  let server: NetnsServer;
  before(async () => {
    server = await startNetnsServer();
  });
  after(() => server?.cleanup());
  const t = () => target({ ports: [{ name: 'http', containerPort: server.port }] }, { netnsPath: server.netnsPath });
  const http = (path: string, extra: Partial<NonNullable<Probe['httpGet']>> = {}): Probe => ({ httpGet: { path, port: server.port, ...extra }, timeoutSeconds: 2 });

  const cases: Array<[string, () => Probe, string, RegExp | string]> = [
    ['200 passes with the body', () => http('/ok'), 'success', 'fine'],
    ['port by container port name', () => http('/ok', { port: 'http' }), 'success', 'fine'],
    ['500 fails', () => http('/fail'), 'failure', 'HTTP probe failed with statuscode: 500'],
    ['404 fails', () => http('/nope'), 'failure', 'HTTP probe failed with statuscode: 404'],
    ['a same-host redirect is followed', () => http('/same-host-redirect'), 'success', 'fine'],
    ['a redirect to another host is a warning', () => http('/other-host-redirect'), 'warning', 'Probe terminated redirects, Response body: moved'],
    ['endless redirects fail', () => http('/loop'), 'failure', /stopped after 10 redirects$/],
    ['no answer within the timeout fails', () => ({ ...http('/slow'), timeoutSeconds: 1 }), 'failure', /^Get "http:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded/],
    ['a closed port fails like Go says it', () => ({ httpGet: { path: '/', port: 1 } }), 'failure', 'Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused'],
    ['an unknown port name fails', () => http('/ok', { port: 'nope' }), 'failure', 'port nope not found'],
    ['tcpSocket to an open port passes', () => ({ tcpSocket: { port: server.port } }), 'success', ''],
    ['tcpSocket to a closed port fails', () => ({ tcpSocket: { port: 1 } }), 'failure', 'dial tcp 127.0.0.1:1: connect: connection refused'],
    ['grpc SERVING passes', () => ({ grpc: { port: server.grpcPort } }), 'success', ''],
    ['grpc NOT_SERVING fails', () => ({ grpc: { port: server.grpcPort, service: 'sick' } }), 'failure', 'service unhealthy (responded with "NOT_SERVING")'],
    ['grpc without the health service fails', () => ({ grpc: { port: server.grpcPort, service: 'missing' } }), 'failure', 'this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service'],
    ['grpc to a closed port fails', () => ({ grpc: { port: 1 } }), 'failure', 'timeout: failed to connect service "127.0.0.1:1" within 1s: dial tcp 127.0.0.1:1: connect: connection refused'],
  ];
  for (const [name, spec, outcome, output] of cases) {
    test(name, async () => {
      const r = await probe(spec(), t());
      assert.equal(r.outcome, outcome, r.output);
      if (typeof output === 'string') assert.equal(r.output, output);
      else assert.match(r.output, output);
    });
  }

  test('headers: kube-probe user agent, custom headers sent', async () => {
    const r = await probe(http('/headers', { httpHeaders: [{ name: 'X-Custom', value: 'yes' }] }), t());
    const headers = JSON.parse(r.output);
    assert.equal(headers['user-agent'], 'kube-probe/1.32');
    assert.equal(headers.accept, '*/*');
    assert.equal(headers['x-custom'], 'yes');
  });
});
