import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEtcdEndpoint } from './etcd-client.ts';

test('etcd endpoints name every member with a scheme and a port', () => {
  const cases: [string, string[]][] = [
    ['etcd://127.0.0.1:2379', ['http://127.0.0.1:2379']],
    ['etcd://h1:2379,h2:2380,h3', ['http://h1:2379', 'http://h2:2380', 'http://h3:2379']],
    ['http://10.0.0.1:2379', ['http://10.0.0.1:2379']],
    ['https://h1:2379,https://h2:2379', ['https://h1:2379', 'https://h2:2379']],
    ['https://h1:2379,h2:2379', ['https://h1:2379', 'https://h2:2379']],
    ['etcd://[::1]:2379', ['http://[::1]:2379']],
  ];
  for (const [endpoint, hosts] of cases) assert.deepEqual(parseEtcdEndpoint(endpoint).hosts, hosts, endpoint);
});

test('endpoints that are not etcd members are refused', () => {
  assert.throws(() => parseEtcdEndpoint('etcd://h1:2379,ftp://h2:21'), /unknown scheme/);
  assert.throws(() => parseEtcdEndpoint('h1:2379'), /names no scheme/);
  assert.throws(() => parseEtcdEndpoint('etcd://h1:2379/registry'), /is not HOST:PORT/);
});
