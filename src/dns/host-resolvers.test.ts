import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostResolvers } from './host-resolvers.ts';

describe('hostResolvers', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'skiff-dns-resolv-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  const cases: Array<[string, string, string | undefined, string[], string[]]> = [
    ['the node nameservers, in order', 'nameserver 10.0.0.2\nnameserver 8.8.8.8\nsearch corp\n', undefined, [], ['10.0.0.2', '8.8.8.8']],
    ['a loopback cache alone, no fallback file: kept', 'nameserver 127.0.0.53\n', undefined, [], ['127.0.0.53']],
    ['a loopback cache alone: the real upstreams behind it', 'nameserver 127.0.0.53\n', 'nameserver 192.168.1.1\n', [], ['192.168.1.1']],
    ['loopback beside a real one: kept', 'nameserver 127.0.0.1\nnameserver 1.1.1.1\n', 'nameserver 192.168.1.1\n', [], ['127.0.0.1', '1.1.1.1']],
    ['never the server itself', 'nameserver 10.42.0.1\nnameserver 1.1.1.1\n', undefined, ['10.42.0.1'], ['1.1.1.1']],
    ['no file content: none', '', undefined, [], []],
  ];
  cases.forEach(([name, resolv, fallback, exclude, want], i) => {
    test(name, async () => {
      const resolvConfPath = join(dir, `resolv-${i}`);
      const fallbackResolvConfPath = join(dir, `fallback-${i}`);
      await writeFile(resolvConfPath, resolv);
      if (fallback !== undefined) await writeFile(fallbackResolvConfPath, fallback);
      const got = await hostResolvers({ resolvConfPath, fallbackResolvConfPath, exclude });
      assert.deepEqual(got, want.map((address) => ({ address, port: 53 })));
    });
  });
});
