/**
 * Joining by token and the node's own credentials, against a real control plane: the token pins
 * the CA and authenticates the first contact, the node gets a certificate for system:node:<name>
 * that it keeps, and the node authorizer lets that identity write only what is its own.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../../src/api/catalogue.ts';
import { ensureNodeKubeconfig, NodeJoinError } from '../../../src/kubelet/bootstrap.ts';
import { ApiError, RestClient } from '../../../src/client/index.ts';
import { startControlPlane, type ControlPlane } from '../../../src/index.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { createNodeCertificateRequest } from '../../../src/apiserver/auth/node-certificate.ts';
import { garbageCollectorController } from '../../../src/controllers/garbage-collector.ts';
import { startControllerManager } from '../../../src/controllers/index.ts';
import { kubectlWith, makeTempDir, rawRequest, removeTempDir, REPO_ROOT, run, waitFor } from '../harness.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;

const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const pod = (name: string, nodeName: string, secret?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName,
    containers: [{ name: 'c', image: 'busybox', ...(secret ? { envFrom: [{ secretRef: { name: secret } }] } : {}) }],
  },
});
const secret = (name: string): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: { k: 'v' } });

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => assert.fail('expected the request to be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, String(err));
  return err;
}

describe('node join and node credentials', () => {
  let dir: string;
  let plane: ControlPlane;
  let admin: RestClient;
  let token: string;
  let nodeA: RestClient;
  let kubeconfigA: string;

  before(async () => {
    dir = await makeTempDir('join');
    plane = await startControlPlane({ dataDir: join(dir, 'server'), port: 0, bindAddress: '127.0.0.1', controllers: false });
    admin = await RestClient.fromKubeconfig(plane.kubeconfigPath);
    token = (await readFile(join(dir, 'server', 'server', 'node-token'), 'utf8')).trim();
    kubeconfigA = await ensureNodeKubeconfig({ server: plane.url, token, nodeName: 'a', agentDir: join(dir, 'a'), log: () => {} });
    nodeA = await RestClient.fromKubeconfig(kubeconfigA, { retry: { maxRetries: 0 } });
  });

  after(async () => {
    nodeA?.close();
    admin?.close();
    await plane?.stop();
    if (dir) await removeTempDir(dir);
  });

  it('keeps the credentials in DATA_DIR/agent/kubelet.kubeconfig, private, and reuses them', async () => {
    assert.equal(kubeconfigA, join(dir, 'a', 'kubelet.kubeconfig'));
    assert.equal((await stat(kubeconfigA)).mode & 0o777, 0o600);
    const before = await readFile(kubeconfigA, 'utf8');
    assert.equal(await ensureNodeKubeconfig({ server: plane.url, token, nodeName: 'a', agentDir: join(dir, 'a'), log: () => {} }), kubeconfigA);
    assert.equal(await readFile(kubeconfigA, 'utf8'), before);
  });

  it('authenticates the node as system:node:<name> in system:nodes', async () => {
    const review = await nodeA.create<{ kind?: string; status?: { userInfo?: { username?: string; groups?: string[] } } }>(
      findResource('authentication.k8s.io', 'v1', 'selfsubjectreviews')!,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } as never,
    );
    assert.equal(review.status?.userInfo?.username, 'system:node:a');
    assert.ok(review.status?.userInfo?.groups?.includes('system:nodes'));
  });

  it('lets a node write its own Node and Lease, and refuses another node’s', async () => {
    await nodeA.create(NODES, node('a'));
    await nodeA.patchStatus(NODES, undefined, 'a', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] } }, 'merge');
    await admin.create(NODES, node('b'));

    const patched = await rejection(nodeA.patch(NODES, undefined, 'b', { metadata: { labels: { x: 'y' } } }, 'merge'));
    assert.equal(patched.code, 403);
    assert.equal(patched.reason, 'Forbidden');
    assert.equal(patched.message, 'nodes "b" is forbidden: User "system:node:a" cannot patch resource "nodes" in API group "" at the cluster scope: node "a" is not allowed to modify node "b"');
    const created = await rejection(nodeA.create(NODES, node('c')));
    assert.equal(created.code, 403);
    assert.match(created.message, /^nodes "c" is forbidden: User "system:node:a" cannot create resource "nodes"/);
    assert.equal((await rejection(nodeA.get(NODES, undefined, 'c'))).code, 404, 'the refused create wrote nothing');

    const lease = (name: string): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
    await nodeA.create(LEASES, lease('a'));
    assert.equal((await rejection(nodeA.create(LEASES, lease('b')))).code, 403);
  });

  it('lets a node label its own Node, but not change its taints or node-restriction labels', async () => {
    await admin.patch(NODES, undefined, 'a', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }, 'merge');
    await nodeA.patch(NODES, undefined, 'a', { metadata: { labels: { team: 'blue' } } }, 'merge');
    const untaint = await rejection(nodeA.patch(NODES, undefined, 'a', { spec: { taints: null } }, 'merge'));
    assert.equal(untaint.code, 403);
    assert.equal(untaint.message, 'nodes "a" is forbidden: node "a" is not allowed to modify taints');
    const relabel = await rejection(nodeA.patch(NODES, undefined, 'a', { metadata: { labels: { 'node-restriction.kubernetes.io/pool': 'fast' } } }, 'merge'));
    assert.match(relabel.message, /node "a" is not allowed to modify labels: node-restriction\.kubernetes\.io\/pool$/);
    const stored = await admin.get<Node>(NODES, undefined, 'a');
    assert.deepEqual(stored.spec?.taints?.map((t) => t.key), ['dedicated'], 'the refused patch wrote nothing');
    assert.equal(stored.metadata?.labels?.team, 'blue');
    assert.equal(stored.metadata?.labels?.['node-restriction.kubernetes.io/pool'], undefined);
  });

  it('lets a node finish only the pods bound to it, and read only the Secrets they use', async () => {
    await admin.create(SECRETS, secret('used'));
    await admin.create(SECRETS, secret('unused'));
    await admin.create(PODS, pod('on-a', 'a', 'used'));
    await admin.create(PODS, pod('on-b', 'b'));

    const mine = await nodeA.get<Pod>(PODS, 'default', 'on-a');
    await nodeA.updateStatus(PODS, { ...mine, status: { phase: 'Running' } });
    const theirs = await nodeA.get<Pod>(PODS, 'default', 'on-b');
    const refused = await rejection(nodeA.updateStatus(PODS, { ...theirs, status: { phase: 'Running' } }));
    assert.equal(refused.message, `pods "on-b" is forbidden: User "system:node:a" cannot update resource "pods/status" in API group "" in the namespace "default": no relationship found between node 'a' and this object`);
    assert.equal((await rejection(nodeA.delete(PODS, 'default', 'on-b'))).code, 403);

    assert.equal((await nodeA.get<Secret>(SECRETS, 'default', 'used')).metadata?.name, 'used');
    assert.equal((await rejection(nodeA.get(SECRETS, 'default', 'unused'))).code, 403);
    assert.equal((await rejection(nodeA.list(SECRETS, 'default'))).code, 403);
    assert.equal((await rejection(nodeA.list(DEPLOYMENTS, 'default'))).code, 403);
    assert.equal((await admin.list(DEPLOYMENTS, 'default')).items.length, 0, 'other users are unaffected');
  });

  it('serves the CA without credentials and signs a node request for Basic node:<secret>', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    const ca = await rawRequest(kc, 'GET', '/cacerts', { anonymous: true });
    assert.equal(ca.status, 200);
    assert.equal(ca.body, await readFile(join(dir, 'server', 'server', 'tls', 'server-ca.crt'), 'utf8'));

    const secret = token.split(':').pop()!;
    const { csrPem } = await createNodeCertificateRequest('basic');
    const basic = `Basic ${Buffer.from(`node:${secret}`).toString('base64')}`;
    const signed = await rawRequest(kc, 'POST', '/v1-skiff/node-certificate', { anonymous: true, body: csrPem, headers: { Authorization: basic, 'X-Skiff-Node-Password': 'pw' } });
    assert.equal(signed.status, 201, signed.body);
    assert.match(signed.body, /^-----BEGIN CERTIFICATE-----/);
    const noPassword = await rawRequest(kc, 'POST', '/v1-skiff/node-certificate', { anonymous: true, body: csrPem, headers: { Authorization: basic } });
    assert.equal(noPassword.status, 400);
    assert.match(noPassword.json?.message as string, /no node password/);

    const anonymous = await rawRequest(kc, 'POST', '/v1-skiff/node-certificate', { anonymous: true, body: csrPem });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json?.reason, 'Unauthorized');
    const notNode = await rawRequest(kc, 'POST', '/v1-skiff/node-certificate', { anonymous: true, body: 'not a request', headers: { Authorization: basic, 'X-Skiff-Node-Password': 'pw' } });
    assert.equal(notNode.status, 400);
  });

  it('records the node password, owned by the Node, and hidden from nodes', async () => {
    const password = (await readFile(join(dir, 'a', 'node-password'), 'utf8')).trim();
    assert.equal((await stat(join(dir, 'a', 'node-password'))).mode & 0o777, 0o600);
    // The password was recorded before node a registered its Node (an earlier case); the Node adopts it.
    const kept = await waitFor(async () => {
      const s = await admin.get<Secret>(SECRETS, 'kube-system', 'a.node-password.skiff');
      return s.metadata?.ownerReferences?.length ? s : undefined;
    });
    const nodeUid = (await admin.get<Node>(NODES, undefined, 'a')).metadata?.uid;
    assert.deepEqual(kept.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'a', uid: nodeUid }]);
    assert.equal(kept.type, 'Opaque');
    assert.ok(!Buffer.from(kept.data!.hash, 'base64').toString().includes(password), 'only a hash is kept');
    assert.equal((await rejection(nodeA.get(SECRETS, 'kube-system', 'a.node-password.skiff'))).code, 403);
  });

  it('refuses another agent for a taken node name in one line, and accepts the original after a restart', async () => {
    const skiff = join(REPO_ROOT, 'bin', 'skiff');
    const imposter = await run(skiff, ['agent', '--server', plane.url, '--token', token, '--node-name', 'a', '--data-dir', join(dir, 'imposter')]);
    assert.equal(imposter.code, 1);
    assert.equal(
      imposter.stderr,
      'skiff: error: node a is already registered with another password: delete the Secret kube-system/a.node-password.skiff if that node was replaced, or pick another --node-name\n',
    );

    // The original node, its credentials gone: it asks again with its kept password.
    const password = await readFile(join(dir, 'a', 'node-password'), 'utf8');
    await rm(kubeconfigA);
    assert.equal(await ensureNodeKubeconfig({ server: plane.url, token, nodeName: 'a', agentDir: join(dir, 'a'), log: () => {} }), kubeconfigA);
    assert.equal(await readFile(join(dir, 'a', 'node-password'), 'utf8'), password);
  });

  it('frees the name on kubectl delete node: the garbage collector removes the password with the Node', async () => {
    const gc = await startControllerManager({ kubeconfigPath: plane.kubeconfigPath, controllers: [garbageCollectorController], leaderElection: false });
    try {
      await mkdir(join(dir, 'home'), { recursive: true });
      const kubectl = kubectlWith(plane.kubeconfigPath, join(dir, 'kube-cache'), join(dir, 'home'));
      const deleted = await kubectl(['delete', 'node', 'a']);
      assert.equal(deleted.code, 0, deleted.stderr);
      await waitFor(async () => (await rejection(admin.get(SECRETS, 'kube-system', 'a.node-password.skiff'))).code === 404);
      // The machine that replaces node a (a fresh data directory) may now take its name.
      await ensureNodeKubeconfig({ server: plane.url, token, nodeName: 'a', agentDir: join(dir, 'imposter', 'agent'), log: () => {} });
    } finally {
      await gc.stop();
    }
  });

  it('refuses a wrong token with 401 and one clear line', async () => {
    const wrong = token.replace(/:[^:]+$/, ':not-the-secret');
    await assert.rejects(
      ensureNodeKubeconfig({ server: plane.url, token: wrong, nodeName: 'x', agentDir: join(dir, 'x'), log: () => {} }),
      (err: unknown) => err instanceof NodeJoinError && /refused the join token \(401 Unauthorized\)/.test(err.message),
    );
  });

  it('refuses a server whose CA does not match the token', async () => {
    const otherCa = token.replace(/^K10[0-9a-f]{64}/, `K10${'ab'.repeat(32)}`);
    await assert.rejects(
      ensureNodeKubeconfig({ server: plane.url, token: otherCa, nodeName: 'x', agentDir: join(dir, 'x'), log: () => {} }),
      (err: unknown) => err instanceof NodeJoinError && err.message.startsWith("the server's CA does not match the token: "),
    );
  });

  it('skiff agent says so in one line and exits 1', async () => {
    const wrong = token.replace(/:[^:]+$/, ':not-the-secret');
    const refused = await run(join(REPO_ROOT, 'bin', 'skiff'), ['agent', '--server', plane.url, '--token', wrong, '--node-name', 'x', '--data-dir', join(dir, 'cli')]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /^skiff: error: the server refused the join token \(401 Unauthorized\)/);

    const otherCa = token.replace(/^K10[0-9a-f]{64}/, `K10${'ab'.repeat(32)}`);
    const mismatch = await run(join(REPO_ROOT, 'bin', 'skiff'), ['agent', '--server', plane.url, '--token', otherCa, '--node-name', 'x', '--data-dir', join(dir, 'cli')]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /^skiff: error: the server's CA does not match the token: /);
  });
});
