/**
 * kubelet-pods' parts with real containers: volumes, the pod's files and mounts as a container
 * sees them; probes and hooks reaching a container through runc exec and through its pod's
 * network namespace. Skipped where containers cannot run (not root, or no runc).
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { realClock } from '../../client/clock.ts';
import { runHook } from '../lifecycle/hooks.ts';
import { writePodFiles } from '../pod-files.ts';
import { OciRuntime } from '../runtime/oci-runtime.ts';
import type { Sandbox } from '../runtime/runtime.ts';
import { busyboxConfig, containerTestsSkipReason, makeBusyboxRootfs, removeTestDir, waitFor } from '../runtime/runtime.test-support.ts';
import { b64, fakeObjectSource } from '../volumes/fake-object-source.test-support.ts';
import { containerMounts, setUpPodVolumes, tearDownPodVolumes } from '../volumes/index.ts';
import { ProbeManager } from './probe-manager.ts';
import { probe } from './prober.ts';
import type { ProbeTarget } from './target.ts';

const skip = containerTestsSkipReason();

describe('pod parts in real containers', { skip }, () => {
  let dir: string;
  let layer: string;
  let runtime: OciRuntime;
  let sandbox: Sandbox;
  let podDir: string;
  const ids: Record<string, string> = {};
  const uid = `kp-${process.pid}-${Date.now()}`;
  const web: Container = {
    name: 'web',
    ports: [{ name: 'http', containerPort: 8080 }],
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'config', mountPath: '/etc/config' },
      { name: 'creds', mountPath: '/etc/creds' },
      { name: 'data', mountPath: '/www', subPath: 'www' },
    ],
  };
  const reader: Container = { name: 'reader', volumeMounts: [{ name: 'data', mountPath: '/shared', readOnly: true }] };
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'shop', uid },
    spec: {
      subdomain: 'backend',
      containers: [web, reader],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'config', configMap: { name: 'cfg' } },
        { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      ],
    },
  };
  const source = fakeObjectSource({
    configMaps: { 'shop/cfg': { metadata: { name: 'cfg' }, data: { 'app.conf': 'port=80\n' } } },
    secrets: { 'shop/creds': { metadata: { name: 'creds' }, data: { password: b64('hunter2') } } },
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-pods-'));
    layer = await makeBusyboxRootfs(join(dir, 'layer'));
    runtime = new OciRuntime({ rootDir: join(dir, 'agent'), namespaceDir: join(dir, 'ns') });
    podDir = join(dir, 'agent', 'pods', uid);
    const volumes = await setUpPodVolumes(pod, podDir, source);
    const podFiles = await writePodFiles(pod, podDir, { podIPs: ['10.42.0.9'], clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' });
    sandbox = await runtime.runPodSandbox({ pod: { uid, namespace: 'shop', name: 'web' }, hostname: 'web', hostNetwork: false, hostIPC: false, hostPID: false, shareProcessNamespace: false });
    const script = 'echo hello > /www/index.html && echo shared > /data/msg && exec httpd -f -p 8080 -h /www';
    for (const [c, args] of [[web, ['sh', '-c', script]], [reader, ['sleep', '3600']]] as const) {
      const mounts = await containerMounts(pod, c, volumes, { podFiles });
      ids[c.name] = await runtime.createContainer(sandbox, busyboxConfig(layer, { name: c.name, args: [...args], mounts }));
      await runtime.startContainer(ids[c.name]);
    }
  });

  after(async () => {
    if (sandbox) await runtime.removePodSandbox(sandbox.id).catch((err) => console.error('cleanup', err));
    for (const c of (await runtime?.listContainers()) ?? []) await runtime.removeContainer(c.id).catch((err) => console.error('cleanup', err));
    if (podDir) await tearDownPodVolumes(podDir).catch((err) => console.error('cleanup', err));
    if (dir) await removeTestDir(dir);
  });

  const target = (name: 'web' | 'reader'): ProbeTarget => ({ runtime, containerId: ids[name], netnsPath: sandbox.netnsPath, pod, container: name === 'web' ? web : reader });

  async function run(name: 'web' | 'reader', script: string): Promise<{ exitCode: number; out: string }> {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const { exitCode } = await runtime.exec(ids[name], ['sh', '-c', script], { tty: false, stdout: out, stderr: out });
    return { exitCode, out: text };
  }

  test('an httpGet probe reaches the server inside the pod network namespace', async () => {
    await waitFor('httpd to answer', async () => (await probe({ httpGet: { path: '/index.html', port: 'http' } }, target('web'))).outcome === 'success');
    assert.deepEqual(await probe({ httpGet: { path: '/index.html', port: 8080 } }, target('web')), { outcome: 'success', output: 'hello\n' });
    assert.equal((await probe({ httpGet: { path: '/missing', port: 8080 } }, target('web'))).output, 'HTTP probe failed with statuscode: 404');
    assert.equal((await probe({ tcpSocket: { port: 8080 } }, target('web'))).outcome, 'success');
    assert.equal((await probe({ tcpSocket: { port: 8081 } }, target('web'))).outcome, 'failure');
  });

  test('exec probes run in the container', async () => {
    assert.deepEqual(await probe({ exec: { command: ['cat', '/etc/config/app.conf'] } }, target('web')), { outcome: 'success', output: 'port=80\n' });
    assert.equal((await probe({ exec: { command: ['sh', '-c', 'exit 3'] } }, target('web'))).outcome, 'failure');
  });

  test('containers share the emptyDir; readOnly mounts and API-backed volumes refuse writes', async () => {
    await waitFor('the web container to write', async () => (await run('reader', 'cat /shared/msg')).out === 'shared\n');
    assert.notEqual((await run('reader', 'echo x > /shared/other')).exitCode, 0);
    assert.notEqual((await run('web', 'echo x > /etc/config/new')).exitCode, 0);
    assert.deepEqual(await run('web', 'cat /etc/creds/password'), { exitCode: 0, out: 'hunter2' });
  });

  test('the pod files are the container /etc/hosts, resolv.conf and hostname', async () => {
    const hosts = await run('reader', 'cat /etc/hosts');
    assert.match(hosts.out, /^# Kubernetes-managed hosts file\.$/m);
    assert.match(hosts.out, /^10\.42\.0\.9\tweb\.backend\.shop\.svc\.cluster\.local\tweb$/m);
    assert.equal((await run('reader', 'cat /etc/resolv.conf')).out, 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n');
    assert.equal((await run('reader', 'cat /etc/hostname')).out, 'web\n');
  });

  test('hooks: exec and httpGet', async () => {
    await runHook({ exec: { command: ['sh', '-c', 'echo hooked > /data/hook'] } }, target('web'));
    assert.equal((await run('reader', 'cat /shared/hook')).out, 'hooked\n');
    await runHook({ httpGet: { path: '/', port: 8080 } }, target('web'), { timeoutMs: 5000 });
    await assert.rejects(runHook({ exec: { command: ['sh', '-c', 'exit 1'] } }, target('web')), /^LifecycleHookError: Exec lifecycle hook \(\[sh -c exit 1\]\)/);
  });

  test('the probe manager turns readiness on from real probes', async () => {
    const changed: string[] = [];
    const manager = new ProbeManager({ runtime, clock: realClock, onChange: (u) => changed.push(u) });
    try {
      const withProbe: Pod = { ...pod, spec: { ...pod.spec!, containers: [{ ...web, readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 } }, reader] } };
      const containers = await runtime.listContainers({ podUid: uid });
      manager.update(withProbe, { sandbox, containers });
      await waitFor('web to be ready', () => manager.isReady(uid, 'web'));
      assert.deepEqual(changed, [uid]);
      assert.equal(manager.isReady(uid, 'reader'), true);
    } finally {
      manager.stop();
    }
  });
});
