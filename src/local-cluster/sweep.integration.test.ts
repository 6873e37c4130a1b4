/**
 * The stale sweep with real namespaces and links: leftovers with no record go, a cluster whose
 * owner died goes (record and files too), a cluster whose owner lives stays.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sweepStaleClusters, type ClusterState } from './local-cluster.ts';
import { bridgeName, hostNamespace, newClusterId } from './names.ts';

const exec = promisify(execFile);
const skip = process.getuid?.() !== 0 ? 'needs root (ip netns, ip link)' : false;

async function exists(kind: 'netns' | 'link', name: string): Promise<boolean> {
  const out = kind === 'netns' ? (await exec('ip', ['netns', 'list'])).stdout : (await exec('ip', ['-o', 'link', 'show'])).stdout;
  return out.split('\n').some((line) => (kind === 'netns' ? line.split(' ')[0] === name : line.includes(`: ${name}:`)));
}

async function recordCluster(dir: string, id: string, ownerPid: number): Promise<void> {
  const state: ClusterState = {
    id,
    dataDir: dir,
    subnet: { prefix: '10.200.250' },
    ownerPid,
    options: {},
    server: { kubeconfigPath: join(dir, 'server', 'kubeconfig.yaml'), logPath: join(dir, 'server.log') },
    hosts: [],
  };
  await mkdir(join(dir, 'server'), { recursive: true });
  await writeFile(join(dir, 'cluster.json'), JSON.stringify(state));
  await mkdir('/run/skiff-cluster', { recursive: true });
  await writeFile(join('/run/skiff-cluster', id), dir);
}

describe('sweepStaleClusters', { skip }, () => {
  const made: string[] = [];
  after(async () => {
    for (const id of made) {
      await exec('ip', ['link', 'delete', bridgeName(id)]).catch(() => undefined);
      await exec('ip', ['netns', 'delete', hostNamespace(id, 'host-1')]).catch(() => undefined);
      await rm(join('/run/skiff-cluster', id), { force: true });
    }
  });

  it('removes namespaces and links no cluster records', async () => {
    const id = newClusterId();
    made.push(id);
    await exec('ip', ['link', 'add', bridgeName(id), 'type', 'bridge']);
    await exec('ip', ['netns', 'add', hostNamespace(id, 'host-1')]);
    await sweepStaleClusters();
    assert.equal(await exists('link', bridgeName(id)), false);
    assert.equal(await exists('netns', hostNamespace(id, 'host-1')), false);
  });

  it('removes a cluster whose owner died, and keeps one whose owner lives', async () => {
    const dead = newClusterId();
    const live = newClusterId();
    made.push(dead, live);
    const root = await mkdtemp(join(tmpdir(), 'skiff-sweep-'));
    try {
      const deadPid = spawnSync('true').pid;
      await recordCluster(join(root, 'dead'), dead, deadPid);
      await recordCluster(join(root, 'live'), live, process.pid);
      await exec('ip', ['link', 'add', bridgeName(dead), 'type', 'bridge']);
      await exec('ip', ['link', 'add', bridgeName(live), 'type', 'bridge']);
      await sweepStaleClusters();
      assert.equal(await exists('link', bridgeName(dead)), false);
      assert.equal(await readFile(join('/run/skiff-cluster', dead), 'utf8').catch(() => undefined), undefined);
      assert.equal(await readFile(join(root, 'dead', 'cluster.json'), 'utf8').catch(() => undefined), undefined);
      assert.equal(await exists('link', bridgeName(live)), true);
      assert.ok(await readFile(join(root, 'live', 'cluster.json'), 'utf8'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
