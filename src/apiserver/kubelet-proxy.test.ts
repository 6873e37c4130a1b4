import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeletAddress, requestHead } from './kubelet-proxy.ts';

test('kubeletAddress prefers the InternalIP and the reported kubelet port', () => {
  const table: [string, object, object | undefined][] = [
    ['internal ip', { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 11250 } } }, { host: '10.0.0.5', port: 11250 }],
    ['hostname only, default port', { addresses: [{ type: 'Hostname', address: 'n1' }] }, { host: 'n1', port: 10250 }],
    ['no address', { addresses: [] }, undefined],
  ];
  for (const [name, status, want] of table) assert.deepEqual(kubeletAddress({ metadata: { name: 'n1' }, status } as never), want, name);
});

test('requestHead re-addresses the request and drops the client credentials', () => {
  const head = requestHead(
    {
      method: 'GET',
      rawHeaders: ['Host', 'api:6443', 'Authorization', 'Bearer secret', 'Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Protocol', 'v5.channel.k8s.io', 'Impersonate-User', 'bob'],
    },
    '/exec/ns/p/c?command=ls',
    { host: '10.0.0.5', port: 10250 },
  );
  assert.equal(head, 'GET /exec/ns/p/c?command=ls HTTP/1.1\r\nHost: 10.0.0.5:10250\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n');
});
