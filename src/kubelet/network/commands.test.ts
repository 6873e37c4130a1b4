import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetworkCommandError, runNetworkCommand } from './commands.ts';

describe('runNetworkCommand', () => {
  test('resolves to the command’s output', async () => {
    assert.equal(await runNetworkCommand(['/bin/busybox', 'echo', 'hi']), 'hi\n');
  });

  test('a failure carries the command and what it printed', async () => {
    const err = await runNetworkCommand(['/bin/busybox', 'sh', '-c', 'echo broken >&2; exit 2']).catch((e) => e);
    assert.ok(err instanceof NetworkCommandError);
    assert.equal(err.missingPackage, undefined);
    assert.match(err.message, /broken/);
  });

  test('a missing tool names what to install', async () => {
    const err = await runNetworkCommand(['skiff-no-such-tool', 'x']).catch((e) => e);
    assert.ok(err instanceof NetworkCommandError);
    assert.equal(err.missingPackage, 'skiff-no-such-tool');
    assert.equal(err.message, 'skiff-no-such-tool not found: apt-get install skiff-no-such-tool');
  });
});
