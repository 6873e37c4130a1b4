import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Container } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../client/fake-clock.test-support.ts';
import { canMakeNetns, startNetnsServer, type NetnsServer } from '../probes/netns-server.test-support.ts';
import type { ProbeTarget } from '../probes/target.ts';
import type { ExecOptions } from '../runtime/runtime.ts';
import { LifecycleHookError, runHook } from './hooks.ts';

function target(extra: Partial<ProbeTarget> = {}): ProbeTarget {
  const container: Container = { name: 'app' };
  return {
    runtime: {
      async exec(_id: string, argv: string[], options: ExecOptions) {
        options.stdout?.write(`ran ${argv.join(' ')}`);
        if (argv.includes('fail')) options.stderr?.write('oops');
        return { exitCode: argv.includes('fail') ? 2 : 0 };
      },
    },
    containerId: 'c1',
    pod: { metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { containers: [container] } },
    container,
    ...extra,
  };
}

describe('runHook', () => {
  test('exec: exit 0 succeeds', async () => {
    await runHook({ exec: { command: ['sh', '-c', 'true'] } }, target());
  });

  test('exec: a failure is worded as upstream', async () => {
    await assert.rejects(runHook({ exec: { command: ['sh', '-c', 'fail'] } }, target()), (err: unknown) => {
      assert.ok(err instanceof LifecycleHookError);
      assert.equal(err.message, `Exec lifecycle hook ([sh -c fail]) for Container "app" in Pod "web_ns(u1)" failed - error: command 'sh -c fail' exited with 2: oops, message: "ran sh -c failoops"`);
      return true;
    });
  });

  test('sleep waits the given seconds on the clock', async () => {
    const clock = new FakeClock();
    let done = false;
    const hook = runHook({ sleep: { seconds: 5 } }, target(), { clock }).then(() => (done = true));
    await clock.advance(4_000);
    assert.equal(done, false);
    await clock.advance(1_000);
    await hook;
    assert.equal(done, true);
  });

  test('tcpSocket handlers cannot run', async () => {
    await assert.rejects(runHook({ tcpSocket: { port: 80 } }, target()), /^LifecycleHookError: Cannot run handler: invalid handler/);
  });
});

describe('httpGet hooks inside a network namespace', { skip: !canMakeNetns && 'needs root to make network namespaces' }, () => {
  let server: NetnsServer;
  before(async () => {
    server = await startNetnsServer();
  });
  after(() => server?.cleanup());

  test('any HTTP answer succeeds, even a 500', async () => {
    await runHook({ httpGet: { path: '/fail', port: server.port } }, target({ netnsPath: server.netnsPath }));
  });

  test('no answer at all fails', async () => {
    await assert.rejects(runHook({ httpGet: { path: '/x', port: 1 } }, target({ netnsPath: server.netnsPath })), {
      message: 'HTTP lifecycle hook (/x) for Container "app" in Pod "web_ns(u1)" failed - error: Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused',
    });
  });
});
