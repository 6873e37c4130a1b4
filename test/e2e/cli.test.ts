/**
 * The `skiff` command as an operator meets it: help, flag errors, `server --disable-agent` and
 * `apiserver` printing their kubeconfig, health endpoints open to anyone, everything else closed
 * to anonymous callers, files with the right modes, and a clean stop on SIGTERM and SIGINT.
 * A server with its node agent runs in a network namespace of its own (node-netns.ts): the pod
 * network the agent makes (bridge, nftables tables) then goes with the namespace.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  freePort,
  kubectlWith,
  makeTempDir,
  rawRequest,
  removeTempDir,
  run,
  spawnSkiff,
  stopChild,
  streamKubectl,
  waitForHealthy,
  REPO_ROOT,
  type SkiffProcess,
} from './harness.ts';
import { createNodeNetns } from './node-netns.ts';

const running: SkiffProcess[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(running.map((p) => stopChild(p.child)));
  await Promise.all(dirs.map(removeTempDir));
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('cli');
  dirs.push(dir);
  return dir;
}

function skiff(args: string[]) {
  return run(process.execPath, [path.join(REPO_ROOT, 'bin', 'skiff'), ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
}

function start(args: string[]): SkiffProcess {
  const p = spawnSkiff(args);
  running.push(p);
  return p;
}

describe('skiff command line', () => {
  test('--help lists the commands', async () => {
    const help = await skiff(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /\bserver\b/);
    assert.match(help.stdout, /\bapiserver\b/);
  });

  test('an unknown flag exits non-zero with a one-line message', async () => {
    const bad = await skiff(['server', '--no-such-flag']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /no-such-flag/);
  });

  test('a malformed port exits non-zero with a one-line message', async () => {
    const bad = await skiff(['server', '--disable-agent', '--port', 'http']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /port/);
  });

  test('a malformed --event-ttl exits non-zero with a one-line message', async () => {
    const bad = await skiff(['apiserver', '--event-ttl', 'soon']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /event-ttl/);
  });

  test('--event-ttl: an Event goes that long after its last write, and a watch sees it deleted', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const server = start(['apiserver', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--event-ttl', '3s']);
    await server.waitForOutput(/kubeconfig/);
    const kubeconfigPath = path.join(dataDir, 'kubeconfig.yaml');
    await waitForHealthy(kubeconfigPath);
    const home = await tempDir();
    const kubectl = kubectlWith(kubeconfigPath, path.join(home, 'cache'), home);
    const watch = streamKubectl(kubeconfigPath, path.join(home, 'cache'), home, ['get', 'events', '-n', 'default', '--watch-only', '--output-watch-events', '-o', 'json']);
    const event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'short-lived' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Tested', message: 'expires' };
    const created = await kubectl(['create', '-n', 'default', '-f', '-'], { stdin: JSON.stringify(event) });
    assert.equal(created.code, 0, created.stderr);
    const listed = await kubectl(['get', 'events', '-n', 'default', '-o', 'name']);
    assert.match(listed.stdout, /short-lived/, listed.stderr);
    try {
      await watch.waitForOutput(/"type":"DELETED","object":\{.*"name":"short-lived"/, 60_000);
    } finally {
      await watch.stop();
    }
    const after = await kubectl(['get', 'event', 'short-lived', '-n', 'default']);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /NotFound|not found/);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  });

  test('server --disable-agent prints its kubeconfig, serves, and stops on SIGTERM', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const server = start(['server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1']);
    const kubeconfigPath = path.join(dataDir, 'kubeconfig.yaml');
    await server.waitForOutput(new RegExp(kubeconfigPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    const kc = await waitForHealthy(kubeconfigPath);
    assert.equal(new URL(kc.getCurrentCluster()!.server).port, String(port));

    for (const p of ['/healthz', '/livez', '/readyz']) {
      const res = await rawRequest(kc, 'GET', p, { anonymous: true });
      assert.deepEqual([res.status, res.body], [200, 'ok'], p);
    }
    for (const p of ['/api', '/apis', '/api/v1/namespaces', '/version', '/openapi/v3']) {
      const res = await rawRequest(kc, 'GET', p, { anonymous: true });
      assert.equal(res.status, 401, `${p} without credentials`);
      assert.equal(res.json?.reason, 'Unauthorized', p);
    }

    for (const file of ['kubeconfig.yaml', 'server/token', 'server/node-token']) {
      const mode = (await stat(path.join(dataDir, file))).mode & 0o777;
      assert.equal(mode.toString(8), '600', file);
    }

    const home = await tempDir();
    const kubectl = kubectlWith(kubeconfigPath, path.join(home, 'cache'), home);
    const ns = await kubectl(['get', 'ns', 'default', '-o', 'name']);
    assert.equal(ns.stdout, 'namespace/default\n', ns.stderr);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  });

  test('server without --disable-agent also runs a node agent whose node turns Ready', { skip: process.getuid?.() !== 0 && 'the node agent needs root' }, async (t) => {
    const dataDir = await tempDir();
    const home = await tempDir();
    const nodeName = `cli-node-${process.pid}`;
    const node = await createNodeNetns();
    // Ports are the namespace's own: nothing else listens there.
    const server = node.spawnSkiff(['server', '--data-dir', dataDir, '--port', '6443', '--bind-address', '127.0.0.1', '--node-name', nodeName, '--kubelet-port', '0']);
    t.after(async () => {
      await stopChild(server.child);
      await node.remove();
    });
    await server.waitForOutput(/node agent running: node /);
    const kubectl = node.kubectl(path.join(dataDir, 'kubeconfig.yaml'), path.join(home, 'cache'), home);
    let ready = '';
    for (let i = 0; i < 60 && ready !== 'True'; i++) {
      ready = (await kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout;
      if (ready !== 'True') await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(ready, 'True', server.output());
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0, server.output());
  });

  test('apiserver serves alone, keeps its state across restarts, and stops on SIGINT', async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const args = ['apiserver', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1'];
    const first = start(args);
    await first.waitForOutput(/kubeconfig/);
    const kubeconfigPath = path.join(dataDir, 'kubeconfig.yaml');
    await waitForHealthy(kubeconfigPath);
    const home = await tempDir();
    const kubectl = kubectlWith(kubeconfigPath, path.join(home, 'cache'), home);
    const created = await kubectl(['create', '-n', 'default', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } }) });
    assert.equal(created.code, 0, created.stderr);
    first.child.kill('SIGINT');
    assert.equal(await first.exited, 0, first.output());

    const second = start(args);
    await second.waitForOutput(/kubeconfig/);
    await waitForHealthy(kubeconfigPath);
    const got = await kubectl(['get', 'cm', 'kept', '-n', 'default', '-o', 'name']);
    assert.equal(got.stdout, 'configmap/kept\n', got.stderr);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
  });

  test('--datastore-endpoint puts the database where it says', async () => {
    const dataDir = await tempDir();
    const dbDir = await tempDir();
    const port = await freePort();
    const server = start(['apiserver', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1', '--datastore-endpoint', `sqlite://${dbDir}/custom.db`]);
    await server.waitForOutput(/kubeconfig/);
    await waitForHealthy(path.join(dataDir, 'kubeconfig.yaml'));
    assert.ok((await stat(path.join(dbDir, 'custom.db'))).isFile());
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  });
});
