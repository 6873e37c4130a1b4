/**
 * Protobuf answers: a client that prefers `application/vnd.kubernetes.protobuf` (as kubectl's
 * imperative commands and client-go's typed clients do) gets objects, lists and created objects
 * in protobuf that decode to the JSON answer; watches stay JSON, which such clients also accept.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { decodeProtobufObject } from '../../src/apiserver/protobuf/index.ts';
import { rawRequest, startCluster, type Cluster } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

const PREFERS_PROTOBUF = 'application/vnd.kubernetes.protobuf,application/json';

/** A GET answered as bytes (rawRequest reads text, which would mangle protobuf). */
async function getBytes(path: string, accept: string): Promise<{ status: number; type: string; body: Buffer }> {
  const kc = cluster.kubeConfig;
  const server = new URL(kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: server.hostname, port: server.port, path, method: 'GET', ca: opts.ca, cert: opts.cert, key: opts.key, agent: false, headers: { Accept: accept } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('protobuf responses', () => {
  test('objects and lists in protobuf decode to the JSON answer', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const created = await kubectl(['create', 'configmap', 'cfg', '-n', ns, '--from-literal=a=1']);
    assert.equal(created.code, 0, created.stderr);
    const path = `/api/v1/namespaces/${ns}/configmaps/cfg`;
    const json = (await rawRequest(cluster.kubeConfig, 'GET', path)).json;
    const one = await getBytes(path, PREFERS_PROTOBUF);
    assert.equal(one.status, 200);
    assert.equal(one.type, 'application/vnd.kubernetes.protobuf');
    assert.deepEqual(decodeProtobufObject(one.body).object, json);

    const list = await getBytes(`/api/v1/namespaces/${ns}/configmaps`, PREFERS_PROTOBUF);
    assert.equal(list.type, 'application/vnd.kubernetes.protobuf');
    const decoded = decodeProtobufObject(list.body).object as any;
    assert.equal(decoded.kind, 'ConfigMapList');
    assert.deepEqual(decoded.items.map((i: any) => i.data), [{ a: '1' }]);
  });

  test('JSON first, or a watch, is answered in JSON', async (t) => {
    const { ns } = await cluster.scope(t);
    const json = await getBytes(`/api/v1/namespaces/${ns}/configmaps`, 'application/json,application/vnd.kubernetes.protobuf');
    assert.equal(json.type, 'application/json');
    const watch = await getBytes(`/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=1`, PREFERS_PROTOBUF);
    assert.equal(watch.status, 200);
    assert.match(watch.type, /^application\/json/);
  });
});
