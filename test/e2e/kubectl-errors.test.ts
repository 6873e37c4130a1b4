/**
 * Every error a user can meet, as kubectl prints it: the text must match what a real API server
 * makes kubectl print, since scripts and people grep for it. Errors kubectl cannot provoke
 * (oversized and mistyped bodies, anonymous calls) are checked over raw HTTPS.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { kubectlWith, rawRequest, startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function create(kubectl: Kubectl, ns: string, object: object): Promise<void> {
  const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(object) });
  assert.equal(r.code, 0, r.stderr);
}

const DNS1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('errors kubectl prints', () => {
  test('NotFound', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const [pod, deploy] = await Promise.all([
      kubectl(['get', 'pod', 'x', '-n', ns]),
      kubectl(['get', 'deploy', 'x', '-n', ns]),
    ]);
    assert.equal(pod.code, 1);
    assert.equal(pod.stderr, 'Error from server (NotFound): pods "x" not found\n');
    assert.equal(deploy.stderr, 'Error from server (NotFound): deployments.apps "x" not found\n');
  });

  test('AlreadyExists', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } });
    assert.equal((await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifest })).code, 0);
    const again = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifest });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "dup" already exists\n');
  });

  test('Invalid with one cause', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keys' }, data: { 'bad key!': 'v' } });
    const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifest });
    assert.equal(created.code, 1);
    assert.equal(
      created.stderr,
      `The ConfigMap "keys" is invalid: data[bad key!]: Invalid value: "bad key!": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')\n`,
    );
  });

  test('Invalid lists every cause', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'Bad_Name' },
      spec: { containers: [{ name: 'app', image: 'busybox' }, { name: 'app' }] },
    });
    const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifest });
    assert.equal(created.code, 1);
    const lines = created.stderr.split('\n');
    assert.equal(lines[0], 'The Pod "Bad_Name" is invalid: ');
    const causes = lines.slice(1).filter((l) => l !== '');
    for (const cause of [
      `* metadata.name: Invalid value: "Bad_Name": ${DNS1123_SUBDOMAIN}`,
      '* spec.containers[1].name: Duplicate value: "app"',
      '* spec.containers[1].image: Required value',
    ]) {
      assert.ok(causes.includes(cause), `missing cause\n${cause}\nin\n${created.stderr}`);
    }
    const get = await kubectl(['get', 'pods', '-n', ns, '-o', 'name']);
    assert.equal(get.stdout, '', 'nothing was stored');
  });

  test('Invalid on update of an immutable field', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fixed' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    const patched = await kubectl(['patch', 'pod', 'fixed', '-n', ns, '--type=merge', '-p', '{"spec":{"restartPolicy":"Never"}}']);
    assert.equal(patched.code, 1);
    assert.match(patched.stderr, /^The Pod "fixed" is invalid: spec: Forbidden: pod updates may not change fields other than /);
    const image = await kubectl(['patch', 'pod', 'fixed', '-n', ns, '-p', '{"spec":{"containers":[{"name":"c","image":"busybox:1.37"}]}}']);
    assert.equal(image.stdout, 'pod/fixed patched\n', 'the image is one of the fields a pod update may change');
  });

  test('Conflict on an update from a stale resourceVersion', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'race' }, data: { k: '1' } });
    const stale = JSON.parse((await kubectl(['get', 'cm', 'race', '-n', ns, '-o', 'json'])).stdout);
    assert.equal((await kubectl(['patch', 'cm', 'race', '-n', ns, '--type=merge', '-p', '{"data":{"k":"2"}}'])).code, 0);
    stale.data.k = '3';
    const replaced = await kubectl(['replace', '-n', ns, '-f', '-'], { stdin: JSON.stringify(stale) });
    assert.equal(replaced.code, 1);
    assert.equal(
      replaced.stderr,
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "race": the object has been modified; please apply your changes to the latest version and try again\n',
    );
    const value = await kubectl(['get', 'cm', 'race', '-n', ns, '-o', 'jsonpath={.data.k}']);
    assert.equal(value.stdout, '2');
  });

  test('BadRequest for a malformed label selector', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const bad = await kubectl(['get', 'cm', '-n', ns, '-l', 'env in (a']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error from server \(BadRequest\): /);
    const raw = await rawRequest(cluster.kubeConfig, 'GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=${encodeURIComponent('env in (a')}`);
    assert.equal(raw.status, 400);
    assert.equal(raw.json.reason, 'BadRequest');
  });

  test('BadRequest for an unknown field selector', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const [configMaps, pods] = await Promise.all([
      kubectl(['get', 'cm', '-n', ns, '--field-selector', 'spec.nope=x']),
      kubectl(['get', 'pods', '-n', ns, '--field-selector', 'spec.nope=x']),
    ]);
    assert.equal(configMaps.code, 1);
    assert.equal(
      configMaps.stderr,
      'Error from server (BadRequest): Unable to find "/v1, Resource=configmaps" that match label selector "", field selector "spec.nope=x": "spec.nope" is not a known field selector: only "metadata.name", "metadata.namespace"\n',
    );
    assert.equal(pods.code, 1);
    assert.equal(
      pods.stderr,
      'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.nope=x": field label not supported: spec.nope\n',
    );
  });

  test('pod logs of a pod bound to a node that does not exist name the node', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'talker' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }] } });
    const logs = await kubectl(['logs', 'talker', '-n', ns]);
    assert.equal(logs.code, 1);
    assert.equal(logs.stderr, 'Error from server (NotFound): nodes "node-a" not found\n');
  });

  test('Unauthorized for a kubeconfig whose token the server does not know', async (t) => {
    const { dir } = await cluster.scope(t);
    const anonymous = path.join(dir, 'anonymous.yaml');
    const server = cluster.kubeConfig.getCurrentCluster()!;
    const ca = server.caData ? `certificate-authority-data: ${server.caData}` : `certificate-authority: ${server.caFile}`;
    await writeFile(anonymous, [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: skiff',
      '  cluster:',
      `    server: ${server.server}`,
      `    ${ca}`,
      'users:',
      '- name: nobody',
      '  user: {token: not-a-token-of-this-cluster}',
      'contexts:',
      '- name: nobody',
      '  context: {cluster: skiff, user: nobody}',
      'current-context: nobody',
      '',
    ].join('\n'));
    const kubectl = kubectlWith(anonymous, path.join(dir, 'anon-cache'), dir);
    const denied = await kubectl(['get', 'pods']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^error: You must be logged in to the server \(the server has asked for the client to provide credentials\)\n$/m);
  });
});

describe('errors over raw HTTPS', () => {
  test('a request without credentials is 401 Unauthorized', async () => {
    const res = await rawRequest(cluster.kubeConfig, 'GET', '/api/v1/namespaces', { anonymous: true });
    assert.equal(res.status, 401);
    assert.deepEqual(
      { kind: res.json.kind, apiVersion: res.json.apiVersion, status: res.json.status, reason: res.json.reason, code: res.json.code },
      { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 },
    );
  });

  test('a body over 3 MiB is 413 RequestEntityTooLarge and nothing is stored', async (t) => {
    const { ns } = await cluster.scope(t);
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 1024) } });
    const res = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 413);
    assert.equal(res.json.kind, 'Status');
    assert.equal(res.json.reason, 'RequestEntityTooLarge');
    assert.equal(res.json.code, 413);
    const get = await rawRequest(cluster.kubeConfig, 'GET', `/api/v1/namespaces/${ns}/configmaps/huge`);
    assert.equal(get.status, 404);
  });

  test('an unknown content type is 415 UnsupportedMediaType', async (t) => {
    const { ns } = await cluster.scope(t);
    const res = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps`, {
      body: 'name=x',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(res.status, 415);
    assert.equal(res.json.reason, 'UnsupportedMediaType');
    const patch = await rawRequest(cluster.kubeConfig, 'PATCH', `/api/v1/namespaces/${ns}/configmaps/x`, {
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(patch.status, 415, 'PATCH needs a patch media type');
    assert.equal(patch.json.reason, 'UnsupportedMediaType');
  });

  test('a duplicate field under fieldValidation=Strict is 400 BadRequest and nothing is stored', async (t) => {
    const { ns } = await cluster.scope(t);
    const res = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps?fieldValidation=Strict`, {
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"},"data":{"a":"1","a":"2"}}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.reason, 'BadRequest');
    assert.match(res.json.message, /strict decoding error: .*duplicate field "data\.a"/);
    const get = await rawRequest(cluster.kubeConfig, 'GET', `/api/v1/namespaces/${ns}/configmaps/twice`);
    assert.equal(get.status, 404);
  });

  test('malformed JSON is 400 BadRequest and nothing is stored', async (t) => {
    const { ns } = await cluster.scope(t);
    const res = await rawRequest(cluster.kubeConfig, 'POST', `/api/v1/namespaces/${ns}/configmaps`, {
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"broken"',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.reason, 'BadRequest');
    const list = await rawRequest(cluster.kubeConfig, 'GET', `/api/v1/namespaces/${ns}/configmaps`);
    assert.deepEqual(list.json.items, []);
  });

  test('an unknown path is 404 NotFound as a Status', async () => {
    const res = await rawRequest(cluster.kubeConfig, 'GET', '/api/v1/nosuchresources');
    assert.equal(res.status, 404);
    assert.equal(res.json.kind, 'Status');
    assert.equal(res.json.reason, 'NotFound');
  });
});
