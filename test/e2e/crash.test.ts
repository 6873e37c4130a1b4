/**
 * Durability as an operator sees it: `skiff server` killed with SIGKILL right after (and while)
 * answering writes comes back with every write it acknowledged.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  freePort,
  kubectlWith,
  makeTempDir,
  manifests,
  rawRequest,
  removeTempDir,
  spawnSkiff,
  stopChild,
  waitFor,
  waitForHealthy,
  type SkiffProcess,
} from './harness.ts';

const running: SkiffProcess[] = [];
let root: string | undefined;
after(async () => {
  await Promise.all(running.map((p) => stopChild(p.child)));
  if (root) await removeTempDir(root);
});

async function startServer(args: string[], kubeconfigPath: string): Promise<KubeConfig> {
  const server = spawnSkiff(args);
  running.push(server);
  await server.waitForOutput(/kubeconfig/);
  return waitForHealthy(kubeconfigPath);
}

test('kill -9 loses no acknowledged write', async () => {
  root = await makeTempDir('crash');
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const args = ['server', '--disable-agent', '--data-dir', dataDir, '--port', String(port), '--bind-address', '127.0.0.1'];
  const kubeconfigPath = path.join(dataDir, 'kubeconfig.yaml');
  const kc = await startServer(args, kubeconfigPath);
  const kubectl = kubectlWith(kubeconfigPath, path.join(root, 'cache'), root);

  const ns = 'crash';
  assert.equal((await kubectl(['create', '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) })).code, 0);
  const items = Array.from({ length: 25 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `acked-${i}` }, data: { i: String(i) } }));
  const created = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: manifests(...items) });
  assert.equal(created.code, 0, created.stderr);
  const updated = await kubectl(['patch', 'cm', 'acked-0', '-n', ns, '--type=merge', '-p', '{"data":{"i":"updated"}}']);
  assert.equal(updated.code, 0, updated.stderr);

  // Keep writing while the process is killed: whatever got a 201 must survive.
  const acknowledged: string[] = [];
  let writing = true;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; writing; i++) {
      const name = `inflight-${w}-${i}`;
      try {
        const res = await rawRequest(kc, 'POST', `/api/v1/namespaces/${ns}/configmaps`, {
          body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }),
          headers: { 'Content-Type': 'application/json' },
        });
        if (res.status === 201) acknowledged.push(name);
      } catch {
        return;
      }
    }
  });
  await waitFor(() => acknowledged.length >= 20, { timeoutMs: 30_000 });
  running[0].child.kill('SIGKILL');
  await running[0].exited;
  writing = false;
  await Promise.all(writers);

  await startServer(args, kubeconfigPath);
  const listed = await kubectl(['get', 'cm', '-n', ns, '-o', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  const stored = new Map<string, any>(JSON.parse(listed.stdout).items.map((i: any) => [i.metadata.name, i]));
  for (const item of items) assert.ok(stored.has(item.metadata.name), `${item.metadata.name} survived`);
  assert.equal(stored.get('acked-0').data.i, 'updated');
  const lost = acknowledged.filter((n) => !stored.has(n));
  assert.deepEqual(lost, [], `acknowledged but lost after kill -9 (${acknowledged.length} acknowledged)`);

  const writable = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-crash' } }) });
  assert.equal(writable.stdout, 'configmap/after-crash created\n', writable.stderr);
});
