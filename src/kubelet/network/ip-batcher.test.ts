import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetworkCommandError, runNetworkCommand } from './commands.ts';
import { IpBatcher } from './ip-batcher.ts';

describe('IpBatcher (real ip)', () => {
  test('each request learns of its own lines’ failures only, batched or not', async () => {
    const ip = new IpBatcher(runNetworkCommand);
    const results = await Promise.allSettled([
      ip.submit('link show lo\n'),
      ip.submit('link show lo\nlink set dev skiff-nosuch0 up\n'),
      ip.submit('link show lo\nlink show lo'),
      ip.submit('link set dev skiff-nosuch1 up\n'),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    const [, second, , fourth] = results.map((r) => (r.status === 'rejected' ? (r.reason as Error) : undefined));
    assert.ok(second instanceof NetworkCommandError && fourth instanceof NetworkCommandError);
    assert.match(second.message, /skiff-nosuch0/);
    assert.doesNotMatch(second.message, /skiff-nosuch1/);
    assert.match(fourth.message, /skiff-nosuch1/);
    assert.doesNotMatch(fourth.message, /skiff-nosuch0/);
  });

  test('a missing ip fails every request with the package to install', async () => {
    const ip = new IpBatcher((argv, options) => runNetworkCommand(['skiff-no-such-ip', ...argv.slice(1)], options));
    const results = await Promise.allSettled([ip.submit('link show lo\n'), ip.submit('link show lo\n')]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(((r as PromiseRejectedResult).reason as Error).message, /not found: apt-get install/);
    }
  });
});
