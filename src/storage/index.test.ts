import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'skiff-open-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sqlite://PATH opens (and creates) that file', async () => {
  const path = join(dir, 'server', 'state.db');
  const store = await openStore(`sqlite://${path}`);
  await store.create('/registry/a', '1');
  await store.close();
  assert.ok(existsSync(path));
});

test('unknown schemes and malformed endpoints are refused with a clear message', async () => {
  await assert.rejects(openStore('postgres://db/skiff'), /unsupported datastore endpoint "postgres:\/\/db\/skiff"; expected sqlite:\/\/PATH/);
  await assert.rejects(openStore('/var/lib/skiff/state.db'), /expected sqlite:\/\/PATH, etcd:\/\//);
  await assert.rejects(openStore('sqlite://'), /names no file/);
  await assert.rejects(openStore('etcd://127.0.0.1:2379/prefix'), /is not HOST:PORT/);
  await assert.rejects(openStore('etcd://127.0.0.1:2379', { tls: { caFile: '/nonexistent/ca.pem' } }), /TLS files were given but the datastore endpoint is not https/);
  await assert.rejects(openStore('https://127.0.0.1:2379', { tls: { certFile: '/x/cert.pem' } }), /needs both --datastore-certfile and --datastore-keyfile/);
});
