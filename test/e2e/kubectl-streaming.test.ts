/**
 * Streaming end to end with the real kubectl 1.32, a real control plane and a real kubelet
 * running busybox containers with runc: logs (-f, --tail, --timestamps, --previous, -c,
 * --all-containers), exec (exit codes, -i, -it under a terminal), cp both ways, port-forward
 * to an httpd in the pod, and attach.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { spawn as spawnPty } from 'node-pty';
import { startKubelet, type RunningKubelet } from '../../src/kubelet/index.ts';
import { OciRuntime } from '../../src/kubelet/runtime/oci-runtime.ts';
import { containerTestsSkipReason } from '../../src/kubelet/runtime/runtime.test-support.ts';
import { makeTempDir, removeTempDir, REPO_ROOT, startCluster, waitFor, type Cluster } from './harness.ts';

const IMAGE = 'skiff.test/busybox:streaming';
const KUBECTL = '/usr/bin/kubectl';
const skip = containerTestsSkipReason();

describe('kubectl streaming against a real kubelet', { skip, timeout: 300_000 }, () => {
  let cluster: Cluster;
  let kubelet: RunningKubelet | undefined;
  let root: string;
  let rootDir: string;
  const nodeName = `streams-${process.pid}`;
  const kubeletLog: string[] = [];

  before(async () => {
    root = await makeTempDir('streaming');
    rootDir = path.join(root, 'agent');
    await mkdir(path.join(rootDir, 'images'), { recursive: true });
    await promisify(execFile)(path.join(REPO_ROOT, 'scripts', 'build-busybox-image.sh'), [path.join(rootDir, 'images', 'busybox.tar'), IMAGE]);
    cluster = await startCluster({ controllers: true });
    kubelet = await startKubelet({ kubeconfigPath: cluster.kubeconfigPath, nodeName, rootDir, kubeletPort: 0, nodeIP: '127.0.0.1', log: (l) => kubeletLog.push(l) });
  });

  after(async () => {
    if (process.env.SKIFF_TEST_LOGS) console.error(kubeletLog.join('\n'));
    await kubelet?.stop();
    // Whatever is left running goes with its sandbox.
    const runtime = new OciRuntime({ rootDir });
    for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
    for (const c of await runtime.listContainers().catch(() => [])) await runtime.removeContainer(c.id).catch(() => undefined);
    await cluster?.stop();
    await removeTempDir(root);
  });

  /** Creates a pod (bound to the kubelet's node) with kubectl. */
  async function runPod(kubectl: Awaited<ReturnType<Cluster['scope']>>['kubectl'], ns: string, pod: object): Promise<void> {
    const applied = await kubectl(['apply', '--validate=false', '-n', ns, '-f', '-'], { stdin: JSON.stringify(pod) });
    assert.equal(applied.code, 0, applied.stderr);
  }

  async function waitForPhase(kubectl: Awaited<ReturnType<Cluster['scope']>>['kubectl'], ns: string, name: string, pattern: RegExp): Promise<void> {
    await waitFor(
      async () => {
        const r = await kubectl(['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status.phase} {.status.containerStatuses[*].ready} {.status.containerStatuses[*].restartCount}']);
        return pattern.test(r.stdout);
      },
      { timeoutMs: 90_000, message: () => `pod ${name} never matched ${pattern}\n${kubeletLog.slice(-20).join('\n')}` },
    );
  }

  function podOf(name: string, containers: object[], extra: object = {}): object {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, terminationGracePeriodSeconds: 1, containers, ...extra } };
  }

  test('kubectl logs: -c, --tail, --timestamps, --all-containers, -f, --previous', async (t) => {
    const s = await cluster.scope(t);
    const talker = 'i=0; echo one; echo two >&2; echo three; while true; do i=$((i+1)); echo tick $i; sleep 1; done';
    await runPod(s.kubectl, s.ns, podOf('talk', [
      { name: 'main', image: IMAGE, command: ['sh', '-c', talker] },
      { name: 'side', image: IMAGE, command: ['sh', '-c', 'echo side car; sleep 3600'] },
    ]));
    await waitForPhase(s.kubectl, s.ns, 'talk', /^Running true true/);
    // Up to tick 2: stderr's "two" comes through its own pipe and may land after tick 1, and the
    // --tail=1 check below wants a tick as the last line.
    await waitFor(async () => /tick 2/.test((await s.kubectl(['logs', 'talk', '-c', 'main', '-n', s.ns])).stdout), { timeoutMs: 20_000 });
    const logs = await s.kubectl(['logs', 'talk', '-c', 'main', '-n', s.ns]);
    // stdout and stderr are separate pipes: lines keep their order within a stream only.
    assert.match(logs.stdout.replace('two\n', ''), /^one\nthree\ntick 1\n/);
    assert.match(logs.stdout, /^two$/m);
    const tail = await s.kubectl(['logs', 'talk', '-c', 'main', '-n', s.ns, '--tail=1', '--timestamps']);
    assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick \d+\n$/);
    const all = await s.kubectl(['logs', 'talk', '-n', s.ns, '--all-containers', '--prefix']);
    assert.match(all.stdout, /\[pod\/talk\/side\] side car/);
    assert.match(all.stdout, /\[pod\/talk\/main\] one/);
    const follow = s.stream(['logs', '-f', 'talk', '-c', 'main', '-n', s.ns, '--tail=1']);
    const seen = await follow.waitForOutput(/tick (\d+)\n/, 20_000);
    const first = Number(/tick (\d+)/.exec(seen)![1]);
    await follow.waitForOutput(new RegExp(`tick ${first + 2}\\n`), 20_000);
    await follow.stop();

    await runPod(s.kubectl, s.ns, podOf('crash', [{ name: 'main', image: IMAGE, command: ['sh', '-c', 'echo attempt $(cat /proc/uptime); exit 1'] }]));
    await waitForPhase(s.kubectl, s.ns, 'crash', / false [1-9]/);
    const previous = await s.kubectl(['logs', 'crash', '-n', s.ns, '--previous']);
    assert.equal(previous.code, 0, previous.stderr);
    assert.match(previous.stdout, /^attempt \d/);
  });

  test('kubectl exec: exit codes, stdin, and a terminal', async (t) => {
    const s = await cluster.scope(t);
    await runPod(s.kubectl, s.ns, podOf('shell', [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }]));
    await waitForPhase(s.kubectl, s.ns, 'shell', /^Running true/);
    const failing = await s.kubectl(['exec', 'shell', '-n', s.ns, '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(failing.code, 7);
    assert.equal(failing.stdout, 'out\n');
    assert.match(failing.stderr, /^err\n/);
    const hostname = await s.kubectl(['exec', 'shell', '-n', s.ns, '--', 'hostname']);
    assert.equal(hostname.stdout, 'shell\n', hostname.stderr);
    const stdin = await s.kubectl(['exec', '-i', 'shell', '-n', s.ns, '--', 'sh', '-c', 'tr a-z A-Z'], { stdin: 'through the pipe\n' });
    assert.equal(stdin.stdout, 'THROUGH THE PIPE\n', stdin.stderr);

    const term = spawnPty(KUBECTL, ['--kubeconfig', cluster.kubeconfigPath, '--cache-dir', path.join(s.dir, 'pty-cache'), '-n', s.ns, 'exec', '-it', 'shell', '--', 'sh'], {
      cols: 120,
      rows: 40,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: s.dir, TERM: 'xterm' },
    });
    let screen = '';
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor(() => /\/ # /.test(screen), { timeoutMs: 20_000, message: () => `no shell prompt:\n${screen}` });
    term.write('stty size; tty; exit 3\r');
    assert.equal(await exited, 3, screen);
    assert.match(screen, /40 120/);
    assert.match(screen, /\/dev\/pts\/\d+/);
  });

  test('kubectl cp copies both ways', async (t) => {
    const s = await cluster.scope(t);
    await runPod(s.kubectl, s.ns, podOf('files', [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }]));
    await waitForPhase(s.kubectl, s.ns, 'files', /^Running true/);
    const local = await s.writeFile('upload.txt', 'copied into the pod\n');
    const up = await s.kubectl(['cp', local, `${s.ns}/files:/tmp/upload.txt`]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await s.kubectl(['exec', 'files', '-n', s.ns, '--', 'cat', '/tmp/upload.txt'])).stdout, 'copied into the pod\n');
    await s.kubectl(['exec', 'files', '-n', s.ns, '--', 'sh', '-c', 'mkdir -p /tmp/out && echo made in the pod > /tmp/out/made.txt']);
    const down = await s.kubectl(['cp', `${s.ns}/files:/tmp/out`, path.join(s.dir, 'out')]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await readFile(path.join(s.dir, 'out', 'made.txt'), 'utf8'), 'made in the pod\n');
  });

  test('kubectl port-forward reaches an httpd in the pod', async (t) => {
    const s = await cluster.scope(t);
    const serve = 'mkdir -p /www && echo hello from the pod > /www/index.html && exec httpd -f -p 8080 -h /www';
    await runPod(s.kubectl, s.ns, podOf('web', [{ name: 'main', image: IMAGE, command: ['sh', '-c', serve] }]));
    await waitForPhase(s.kubectl, s.ns, 'web', /^Running true/);
    const forward = s.stream(['port-forward', '-n', s.ns, 'pod/web', ':8080']);
    const out = await forward.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, 20_000);
    const port = Number(/127\.0\.0\.1:(\d+) -> 8080/.exec(out)![1]);
    for (let i = 0; i < 2; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/index.html', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d) => (text += d));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.equal(body, 'hello from the pod\n');
    }
    const refused = s.stream(['port-forward', '-n', s.ns, 'pod/web', ':9999']);
    const refusedOut = await refused.waitForOutput(/127\.0\.0\.1:(\d+) -> 9999/, 20_000);
    const socket = net.connect(Number(/127\.0\.0\.1:(\d+) -> 9999/.exec(refusedOut)![1]), '127.0.0.1');
    socket.on('error', () => undefined);
    await refused.waitForOutput(/error forwarding port 9999/, 20_000);
    socket.destroy();
  });

  test('kubectl attach sends stdin to the container and shows its output', async (t) => {
    const s = await cluster.scope(t);
    await runPod(
      s.kubectl,
      s.ns,
      podOf('reader', [{ name: 'main', image: IMAGE, stdin: true, command: ['sh', '-c', 'echo ready; read line; echo "got $line"'] }], { restartPolicy: 'Never' }),
    );
    await waitForPhase(s.kubectl, s.ns, 'reader', /^Running true/);
    const attached = await s.kubectl(['attach', '-i', 'reader', '-n', s.ns], { stdin: 'hello attach\n' });
    assert.match(attached.stdout, /got hello attach/, attached.stderr);
  });
});
