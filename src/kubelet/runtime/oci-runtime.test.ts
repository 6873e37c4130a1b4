/**
 * The OCI runtime against real runc and real crun — one suite, both runtimes: busybox containers
 * in real sandboxes. Skipped (with the reason) where containers cannot run: not root, or the
 * runtime is not installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CAPABILITY_NAMES } from './capabilities.ts';
import { RunContainerError, OciRuntime } from './oci-runtime.ts';
import { ExecTimeoutError } from './runc.ts';
import type { ContainerConfig, ContainerStatus, Sandbox, SandboxConfig } from './runtime.ts';
import { busyboxConfig, containerTestsSkipReason, makeBusyboxRootfs, removeTestDir, waitFor } from './runtime.test-support.ts';

for (const binary of ['runc', 'crun'] as const) describe(`OciRuntime with ${binary}`, { skip: containerTestsSkipReason(binary) }, () => {
  let dir: string;
  let layer: string;
  let runtime: OciRuntime;
  const sandboxes: string[] = [];
  const readers: Socket[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-runtime-'));
    layer = await makeBusyboxRootfs(join(dir, 'layer'));
    runtime = new OciRuntime({ rootDir: join(dir, 'agent'), namespaceDir: join(dir, 'ns'), runtime: binary });
  });

  after(async () => {
    for (const r of readers) r.destroy();
    for (const id of sandboxes) await runtime.removePodSandbox(id).catch((err) => console.error('cleanup', err));
    for (const c of await runtime.listContainers()) await runtime.removeContainer(c.id).catch((err) => console.error('cleanup', err));
    await removeTestDir(dir);
  });

  let podCount = 0;
  async function sandbox(overrides: Partial<SandboxConfig> = {}): Promise<Sandbox> {
    const uid = `${process.pid}-${Date.now()}-${podCount++}`;
    const s = await runtime.runPodSandbox({
      pod: { uid, namespace: 'default', name: `pod-${podCount}` },
      hostname: `pod-${podCount}`,
      hostNetwork: false,
      hostIPC: false,
      hostPID: false,
      shareProcessNamespace: false,
      ...overrides,
    });
    sandboxes.push(s.id);
    return s;
  }

  /** Creates the container and starts reading its stdout and stderr FIFOs, as the logger would. */
  async function create(s: Sandbox, config: Partial<ContainerConfig> & { name: string; args: string[] }): Promise<{ id: string; output: () => string }> {
    const id = await runtime.createContainer(s, busyboxConfig(layer, config));
    let text = '';
    for (const path of Object.values(runtime.containerStdioPaths(id)).filter((p) => !p.endsWith('stdin'))) {
      const socket = new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
      socket.on('data', (d) => (text += d.toString()));
      socket.on('error', () => undefined);
      readers.push(socket);
    }
    return { id, output: () => text };
  }

  async function exited(id: string): Promise<ContainerStatus> {
    let status: ContainerStatus | undefined;
    await waitFor(`container ${id} to exit`, async () => (status = await runtime.containerStatus(id))?.state === 'exited');
    return status!;
  }

  async function execOutput(id: string, argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (d) => (stdout += d));
    err.on('data', (d) => (stderr += d));
    const { exitCode } = await runtime.exec(id, argv, { tty: false, stdout: out, stderr: err });
    return { exitCode, stdout, stderr };
  }

  test('reports the runtime version', async () => {
    const v = await runtime.version();
    assert.equal(v.name, binary);
    assert.match(v.version, /^\d+\.\d+\.\d+$/);
  });

  test('a container writes to its stdout FIFO and its exit code and finish time are reported', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'hello', args: ['sh', '-c', 'echo hello from stdout; echo oops >&2; exit 3'] });
    assert.equal((await runtime.containerStatus(c.id))?.state, 'created');
    await runtime.startContainer(c.id);
    const status = await exited(c.id);
    assert.equal(status.exitCode, 3);
    assert.equal(status.reason, 'Error');
    assert.equal(status.name, 'hello');
    assert.equal(status.pod.uid, s.pod.uid);
    assert.ok(status.startedAt && status.finishedAt && status.finishedAt >= status.startedAt);
    await waitFor('the output', () => c.output().includes('hello from stdout') && c.output().includes('oops'));
  });

  test('exit 0 is Completed', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'ok', args: ['true'] });
    await runtime.startContainer(c.id);
    const status = await exited(c.id);
    assert.equal(status.exitCode, 0);
    assert.equal(status.reason, 'Completed');
  });

  test('a command missing from the image is a StartError with the runtime\'s message', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'missing', args: ['no-such-command'] });
    await assert.rejects(runtime.startContainer(c.id), (err: Error) => err instanceof RunContainerError && /no-such-command.*not found in \$PATH/.test(err.message));
    const status = await runtime.containerStatus(c.id);
    assert.equal(status?.state, 'exited');
    assert.equal(status?.exitCode, 128);
    assert.equal(status?.reason, 'StartError');
    assert.match(status?.message ?? '', /no-such-command.*not found in \$PATH/);
  });

  test('stop sends SIGTERM, which a handler can act on', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'polite', args: ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.1; done'] });
    await runtime.startContainer(c.id);
    await waitFor('the trap to be set', () => c.output().includes('ready'));
    await runtime.stopContainer(c.id, 30);
    const status = await runtime.containerStatus(c.id);
    assert.equal(status?.state, 'exited');
    assert.equal(status?.exitCode, 0);
    await waitFor('the handler output', () => c.output().includes('got TERM'));
  });

  test('stop sends SIGKILL after the grace period to a container that ignores SIGTERM', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'stubborn', args: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'] });
    await runtime.startContainer(c.id);
    await waitFor('the trap to be set', () => c.output().includes('ready'));
    await runtime.stopContainer(c.id, 1);
    const status = await runtime.containerStatus(c.id);
    assert.equal(status?.state, 'exited');
    assert.equal(status?.exitCode, 137);
  });

  test('a memory hog over its limit is OOMKilled', async () => {
    const s = await sandbox();
    const c = await create(s, {
      name: 'hog',
      args: ['sh', '-c', 'x=aaaaaaaa; while :; do x="$x$x"; done'],
      resources: { memoryLimitBytes: 32 * 1024 * 1024 },
    });
    await runtime.startContainer(c.id);
    const status = await exited(c.id);
    assert.equal(status.reason, 'OOMKilled');
    assert.equal(status.exitCode, 137);
  });

  test('a container runs in cgroups of its own with its CPU and memory limits and the device allow-list', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'limited', args: ['sleep', '60'], resources: { cpuShares: 256, cpuQuotaMicros: 50_000, memoryLimitBytes: 64 * 1024 * 1024 } });
    await runtime.startContainer(c.id);
    const status = await runtime.containerStatus(c.id);
    const cgroup = (controller: string, file: string) => readFile(join('/sys/fs/cgroup', controller, 'skiff', s.pod.uid, c.id, file), 'utf8').then((text) => text.trim());
    assert.equal(await cgroup('cpu', 'cpu.shares'), '256');
    assert.equal(await cgroup('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(await cgroup('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    // Default deny, then the usual character devices: /dev/null is 1:3.
    assert.match(await cgroup('devices', 'devices.list'), /^c 1:3 rwm$/m);
    for (const controller of ['cpu', 'cpuset', 'memory', 'pids']) assert.ok((await cgroup(controller, 'cgroup.procs')).split('\n').includes(String(status!.pid)), controller);
  });

  test('a container that ends after its monitor was killed is exited, its status lost', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'orphan', args: ['sleep', '60'] });
    await runtime.startContainer(c.id);
    const running = await runtime.containerStatus(c.id);
    assert.equal(running?.state, 'running');
    // Asked twice while it runs, as the PLEG does.
    assert.equal((await runtime.containerStatus(c.id))?.state, 'running');
    process.kill(Number(await readFile(join(runtime.containerDir(c.id), 'monitor.pid'), 'utf8')), 'SIGKILL');
    process.kill(running!.pid!, 'SIGKILL');
    const status = await exited(c.id);
    assert.equal(status.exitCode, 255);
    assert.match(status.message ?? '', /exit status was lost/);
  });

  test('containers of one sandbox share localhost, the hostname and /dev/shm', async () => {
    const s = await sandbox({ hostname: 'web-1' });
    const server = await create(s, { name: 'server', args: ['sh', '-c', 'while :; do echo hello-over-localhost | nc -l -p 8080; done'] });
    const client = await create(s, { name: 'client', args: ['sleep', '3600'] });
    await runtime.startContainer(server.id);
    await runtime.startContainer(client.id);
    let reply = '';
    await waitFor('a reply over localhost', async () => {
      reply = (await execOutput(client.id, ['nc', '127.0.0.1', '8080'])).stdout;
      return reply.includes('hello-over-localhost');
    });
    assert.equal((await execOutput(client.id, ['hostname'])).stdout.trim(), 'web-1');
    assert.equal((await execOutput(server.id, ['sh', '-c', 'echo shared > /dev/shm/note'])).exitCode, 0);
    assert.equal((await execOutput(client.id, ['cat', '/dev/shm/note'])).stdout, 'shared\n');
    assert.equal((await execOutput(server.id, ['hostname'])).stdout.trim(), 'web-1');
  });

  test('shareProcessNamespace lets a container see the other\'s processes', async () => {
    const s = await sandbox({ shareProcessNamespace: true });
    const a = await create(s, { name: 'a', args: ['sleep', '3601'] });
    const b = await create(s, { name: 'b', args: ['sleep', '3602'] });
    await runtime.startContainer(a.id);
    await runtime.startContainer(b.id);
    // A started container's init exists, but may not have exec'd its command yet (it then shows as
    // the runtime's own command line), as with runc's start upstream: look until it has.
    await waitFor('both sleeps in the shared PID namespace, as container b lists them', async () => {
      const ps = (await execOutput(b.id, ['ps', '-o', 'args'])).stdout;
      return /sleep 3601/.test(ps) && /sleep 3602/.test(ps);
    });
  });

  test('a read-only root filesystem refuses a write', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'ro', args: ['touch', '/written'], readOnlyRootFilesystem: true });
    await runtime.startContainer(c.id);
    const status = await exited(c.id);
    assert.notEqual(status.exitCode, 0);
    await waitFor('the error', () => /Read-only file system/.test(c.output()));
  });

  test('runAsUser is the uid the process runs as', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'user', args: ['id', '-u'], user: { uid: 1234, gid: 5678, additionalGids: [] } });
    await runtime.startContainer(c.id);
    assert.equal((await exited(c.id)).exitCode, 0);
    await waitFor('the uid', () => c.output().trim() === '1234');
  });

  test('exec resolves with the command\'s exit code and passes stdin', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'execd', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    assert.equal((await execOutput(c.id, ['sh', '-c', 'exit 7'])).exitCode, 7);
    const stdin = new PassThrough();
    stdin.end('piped input\n');
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    assert.equal((await runtime.exec(c.id, ['cat'], { tty: false, stdin, stdout: out })).exitCode, 0);
    assert.equal(text, 'piped input\n');
  });

  test('an exec that outlives its timeout is killed and rejects', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'slowexec', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    await assert.rejects(runtime.exec(c.id, ['sleep', '3000'], { tty: false, timeoutMs: 200 }), ExecTimeoutError);
    const ps = await execOutput(c.id, ['ps', '-o', 'args']);
    assert.doesNotMatch(ps.stdout, /sleep 3000/);
  });

  test('exec of a command missing from the image fails with the runtime\'s message on stderr', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'execmissing', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    const result = await execOutput(c.id, ['no-such-command']);
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /no-such-command.*not found/);
  });

  test('exec with a TTY runs the command on a terminal and applies resizes', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'tty', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    const out = new PassThrough();
    let text = '';
    let started = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    out.on('data', (d) => {
      text += d;
      if (text.includes('on-a-tty')) started();
    });
    // As a terminal resized during the session: sent once the command runs. (A size sent at the
    // very start can fall between the runtime reading the terminal's size and its watching for
    // changes: runc and crun both have that window, and under load it was hit.)
    async function* sizes() {
      await running;
      yield { width: 123, height: 45 };
    }
    const stdin = new PassThrough();
    // The command waits, bounded, for the new size to reach its terminal.
    const script = 'read line; [ -t 0 ] && echo on-a-tty; i=0; while [ "$(stty size)" != "45 123" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stty size; exit 4';
    const exec = runtime.exec(c.id, ['sh', '-c', script], { tty: true, stdin, stdout: out, resize: sizes() });
    stdin.write('go\r');
    assert.equal((await exec).exitCode, 4);
    assert.match(text, /on-a-tty/);
    assert.match(text, /45 123/);
  });

  test('a container with stdin reads what is written to its stdin FIFO', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'cat', args: ['sh', '-c', 'read line; echo "got $line"'], stdin: true });
    const stdin = runtime.containerStdioPaths(c.id).stdin;
    assert.ok(stdin);
    await runtime.startContainer(c.id);
    const fd = openSync(stdin, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'hello\n');
    closeSync(fd);
    assert.equal((await exited(c.id)).exitCode, 0);
    await waitFor('the echo', () => c.output().includes('got hello'));
  });

  test('a hostNetwork sandbox uses the node\'s network and hostname', async () => {
    const s = await sandbox({ hostNetwork: true, hostname: 'ignored' });
    assert.equal(s.netnsPath, undefined);
    assert.equal(s.utsnsPath, undefined);
    const c = await create(s, { name: 'hostnet', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    assert.equal((await execOutput(c.id, ['hostname'])).stdout.trim(), hostname());
  });

  test('a privileged container has every capability and the host\'s devices', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'priv', args: ['sleep', '3600'], privileged: true, capabilities: [...CAPABILITY_NAMES] });
    await runtime.startContainer(c.id);
    const status = await execOutput(c.id, ['grep', 'CapEff', '/proc/self/status']);
    assert.doesNotMatch(status.stdout, /CapEff:\s+0000000000000000/);
    const ls = await execOutput(c.id, ['ls', '/dev']);
    assert.match(ls.stdout, /\bnull\b/);
  });

  test('a new runtime over the same root lists the running container with the same pid', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'survivor', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    const before = await runtime.containerStatus(c.id);
    assert.equal(before?.state, 'running');
    assert.ok(before?.pid);
    const restarted = new OciRuntime({ rootDir: join(dir, 'agent'), namespaceDir: join(dir, 'ns'), runtime: binary });
    const listed = (await restarted.listContainers({ podUid: s.pod.uid })).find((x) => x.id === c.id);
    assert.equal(listed?.state, 'running');
    assert.equal(listed?.pid, before.pid);
    assert.ok((await restarted.listPodSandboxes()).some((x) => x.id === s.id));
  });

  test('running the sandbox again recreates namespaces lost in a reboot', async () => {
    const s = await sandbox({ hostname: 'again' });
    for (const path of [s.netnsPath!, s.ipcnsPath!, s.utsnsPath!, join(dir, 'ns', 'shm', s.id)]) execFileSync('umount', [path]);
    const again = await runtime.runPodSandbox({ pod: s.pod, hostname: 'again', hostNetwork: false, hostIPC: false, hostPID: false, shareProcessNamespace: false });
    assert.equal(again.id, s.id);
    assert.equal(again.netnsPath, s.netnsPath);
    const c = await create(again, { name: 'after-reboot', args: ['hostname'] });
    await runtime.startContainer(c.id);
    assert.equal((await exited(c.id)).exitCode, 0);
    await waitFor('the hostname', () => c.output().trim() === 'again');
  });

  test('running one pod\'s sandbox twice at once sets it up once', async () => {
    const config: SandboxConfig = {
      pod: { uid: `${process.pid}-twice`, namespace: 'default', name: 'twice' },
      hostname: 'twice', hostNetwork: false, hostIPC: false, hostPID: false, shareProcessNamespace: false,
    };
    const [a, b] = await Promise.all([runtime.runPodSandbox(config), runtime.runPodSandbox(config)]);
    sandboxes.push(a.id);
    assert.equal(a.id, b.id);
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => l.includes(` ${a.netnsPath} `));
    assert.equal(mounts.length, 1);
  });

  test('removing the sandbox removes its containers', async () => {
    const s = await sandbox();
    const c = await create(s, { name: 'doomed', args: ['sleep', '3600'] });
    await runtime.startContainer(c.id);
    await runtime.removePodSandbox(s.id);
    assert.equal(await runtime.containerStatus(c.id), undefined);
    assert.ok(!(await runtime.listPodSandboxes()).some((x) => x.id === s.id));
  });
});
