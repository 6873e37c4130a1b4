/**
 * The node agent as a user sees it through the real kubectl 1.32: a control plane with its
 * controllers and scheduler, and `skiff kubelet` running as its own process (so it can be
 * killed like a crashed agent) with real crun (the default runtime) and busybox images. Pods carry no nodeName: the
 * scheduler places them. Covered: the node in `get nodes -o wide`; containers of one pod
 * talking over localhost and sharing an emptyDir; CrashLoopBackOff; liveness restarts;
 * readiness flipping READY; an OOM kill; a pull from a local registry; and a SIGKILLed agent
 * whose successor adopts the running containers (same processes, no restart).
 * Streaming (logs, exec, cp, port-forward, attach) is kubectl-streaming.test.ts's.
 * The agent runs in a network namespace of its own (node-netns.ts), so the pod network it makes
 * (bridge, nftables tables) is not the machine's and goes with the namespace.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { registrySkipReason, startTestRegistry, type TestRegistry } from '../../src/kubelet/images/registry.test-support.ts';
import { OciRuntime } from '../../src/kubelet/runtime/oci-runtime.ts';
import { containerTestsSkipReason } from '../../src/kubelet/runtime/runtime.test-support.ts';
import {
  makeTempDir,
  removeTempDir,
  REPO_ROOT,
  startCluster,
  stopChild,
  tableRows,
  waitFor,
  type Cluster,
  type Kubectl,
  type SkiffProcess,
} from './harness.ts';
import { createNodeNetns, type NodeNetns } from './node-netns.ts';

const exec = promisify(execFile);
const IMAGE = 'skiff.test/busybox:kubelet-e2e';
const skip = containerTestsSkipReason();

describe('the node agent with the real kubectl', { skip, timeout: 600_000 }, () => {
  let cluster: Cluster;
  let root: string;
  let dataDir: string;
  let node: NodeNetns | undefined;
  /** The admin kubeconfig, naming the server by the machine's end of the node's veth. */
  let agentKubeconfig: string;
  let agent: SkiffProcess | undefined;
  /** Every agent's output, for failure messages (a restart replaces `agent`). */
  const agentOutput: string[] = [];
  const nodeName = `kubelet-e2e-${process.pid}`;

  /** `skiff kubelet` as an operator runs it, on a free kubelet port; resolves once the node is registered. */
  async function startAgent(): Promise<void> {
    agent = node!.spawnSkiff([
      'kubelet',
      '--kubeconfig', agentKubeconfig,
      '--node-name', nodeName,
      '--data-dir', dataDir,
      '--kubelet-port', '0',
      '--node-ip', node!.nodeAddress,
    ]);
    await agent.waitForOutput(new RegExp(`Skiff node ${nodeName} running`), 90_000);
  }

  /** The agents' output so far, for a failure message. */
  const agentLog = () => [...agentOutput, agent?.output() ?? ''].join('\n--- restarted ---\n').split('\n').slice(-40).join('\n');

  before(async () => {
    root = await makeTempDir('kubelet');
    dataDir = path.join(root, 'data');
    // The agent imports tarballs found in DATA_DIR/agent/images at start (as on an air-gapped node).
    await mkdir(path.join(dataDir, 'agent', 'images'), { recursive: true });
    await exec(path.join(REPO_ROOT, 'scripts', 'build-busybox-image.sh'), [path.join(dataDir, 'agent', 'images', 'busybox.tar'), IMAGE]);
    // Before the control plane: its serving certificate names the machine's addresses at start, the veth's among them.
    node = await createNodeNetns();
    cluster = await startCluster({ controllers: true });
    const kubeconfig = YAML.parse(await readFile(cluster.kubeconfigPath, 'utf8'));
    for (const c of kubeconfig.clusters) c.cluster.server = `https://${node.hostAddress}:${cluster.controlPlane.port}`;
    agentKubeconfig = path.join(root, 'agent-kubeconfig.yaml');
    await writeFile(agentKubeconfig, YAML.stringify(kubeconfig), { mode: 0o600 });
    await startAgent();
  });

  after(async () => {
    if (agent) await stopChild(agent.child);
    if (process.env.SKIFF_TEST_LOGS) console.error(agentOutput.join('\n'), agent?.output());
    // The agent leaves its containers running by design: remove them with their sandboxes.
    const runtime = new OciRuntime({ rootDir: path.join(dataDir, 'agent') });
    for (const c of await runtime.listContainers().catch(() => [])) await runtime.removeContainer(c.id).catch(() => undefined);
    for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
    await node?.remove();
    await cluster?.stop();
    await removeTempDir(root);
  });

  /** A pod the scheduler places (no nodeName), quick to stop. */
  function pod(name: string, containers: object[], spec: object = {}): object {
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, containers, ...spec } };
  }

  async function create(kubectl: Kubectl, ns: string, object: object): Promise<void> {
    const created = await kubectl(['create', '--validate=false', '-n', ns, '-f', '-'], { stdin: JSON.stringify(object) });
    assert.equal(created.code, 0, created.stderr);
  }

  /** Polls `kubectl get pod NAME -o jsonpath=...` until its output matches. */
  async function waitForJsonPath(kubectl: Kubectl, ns: string, name: string, jsonPath: string, pattern: RegExp, timeoutMs = 90_000): Promise<string> {
    let last = '';
    return waitFor(
      async () => {
        const r = await kubectl(['get', 'pod', name, '-n', ns, '-o', `jsonpath=${jsonPath}`]);
        last = r.stdout + r.stderr;
        return pattern.test(r.stdout) ? r.stdout : undefined;
      },
      { timeoutMs, intervalMs: 500, message: () => `pod ${name}: ${jsonPath} never matched ${pattern}; last: ${last}\nagent:\n${agentLog()}` },
    );
  }

  /** Polls `kubectl get pod NAME` until its row (NAME READY STATUS RESTARTS AGE) satisfies `want`. */
  async function waitForRow(kubectl: Kubectl, ns: string, name: string, want: (row: string[]) => boolean, timeoutMs = 90_000): Promise<string[]> {
    let last = '';
    return waitFor(
      async () => {
        const r = await kubectl(['get', 'pod', name, '-n', ns]);
        last = r.stdout + r.stderr;
        const row = tableRows(r.stdout).find((cells) => cells[0] === name);
        return row && want(row) ? row : undefined;
      },
      { timeoutMs, intervalMs: 500, message: () => `pod ${name} never showed the wanted row; last:\n${last}\nagent:\n${agentLog()}` },
    );
  }

  test('kubectl get nodes -o wide shows the node Ready with its OS image, kernel and runtime', async (t) => {
    const s = await cluster.scope(t);
    const osRelease = await readFile('/etc/os-release', 'utf8');
    const prettyName = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1];
    let table: string[][] = [];
    await waitFor(
      async () => {
        table = tableRows((await s.kubectl(['get', 'nodes', '-o', 'wide'])).stdout);
        return table.find((r) => r[0] === nodeName)?.[1] === 'Ready';
      },
      { timeoutMs: 60_000, intervalMs: 500, message: () => `node ${nodeName} never Ready:\n${table.map((r) => r.join(' | ')).join('\n')}` },
    );
    const [header, ...rows] = table;
    const row = Object.fromEntries(header.map((h, i) => [h, rows.find((r) => r[0] === nodeName)![i]]));
    assert.equal(row['STATUS'], 'Ready');
    assert.equal(row['INTERNAL-IP'], node!.nodeAddress);
    if (prettyName) assert.equal(row['OS-IMAGE'], prettyName);
    assert.equal(row['KERNEL-VERSION'], os.release());
    assert.match(row['CONTAINER-RUNTIME'], /^(crun|runc):\/\/\d+\.\d+/);
    assert.match(row['VERSION'], /^v1\.\d+\.\d+/);
  });

  test('two containers of a pod talk over localhost and share an emptyDir', async (t) => {
    const s = await cluster.scope(t);
    const server = 'echo written-by-server > /shared/note; mkdir -p /www; echo hello-over-localhost > /www/index.html; exec httpd -f -p 8080 -h /www';
    // busybox wget crashes when given -T: bound each attempt with timeout instead. The server writes
    // its note before httpd listens, so the first tries may be refused: those are retried, not logged.
    const client =
      'until [ -f /shared/note ]; do sleep 0.2; done; echo "read: $(cat /shared/note)"; ' +
      'until timeout 5 wget -q -O - http://127.0.0.1:8080/index.html 2>/dev/null; do sleep 0.5; done; exec sleep 3600';
    await create(s.kubectl, s.ns, pod('pair', [
      { name: 'server', image: IMAGE, command: ['sh', '-c', server], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
      { name: 'client', image: IMAGE, command: ['sh', '-c', client], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
    ], { volumes: [{ name: 'shared', emptyDir: {} }] }));
    const row = await waitForRow(s.kubectl, s.ns, 'pair', (r) => r[1] === '2/2' && r[2] === 'Running');
    assert.equal(row[3], '0');
    let logs = '';
    await waitFor(async () => /hello-over-localhost/.test((logs = (await s.kubectl(['logs', 'pair', '-c', 'client', '-n', s.ns])).stdout)), {
      timeoutMs: 60_000,
      intervalMs: 500,
      message: () => `the client never reached the server over localhost; its log:\n${logs}`,
    });
    assert.equal(logs, 'read: written-by-server\nhello-over-localhost\n');
    // And the other way round: a file the client writes is there for the server.
    const wrote = await s.kubectl(['exec', 'pair', '-c', 'client', '-n', s.ns, '--', 'sh', '-c', 'echo from-client > /shared/reply']);
    assert.equal(wrote.code, 0, wrote.stderr);
    const read = await s.kubectl(['exec', 'pair', '-c', 'server', '-n', s.ns, '--', 'cat', '/shared/reply']);
    assert.equal(read.stdout, 'from-client\n', read.stderr);
    const scheduled = await s.kubectl(['get', 'pod', 'pair', '-n', s.ns, '-o', 'jsonpath={.spec.nodeName}']);
    assert.equal(scheduled.stdout, nodeName);
  });

  test('a container that exits 1 goes to CrashLoopBackOff with a growing restart count', async (t) => {
    const s = await cluster.scope(t);
    await create(s.kubectl, s.ns, pod('crasher', [{ name: 'main', image: IMAGE, command: ['sh', '-c', 'echo failing; exit 1'] }]));
    await waitForRow(s.kubectl, s.ns, 'crasher', (r) => r[2] === 'CrashLoopBackOff' && Number.parseInt(r[3], 10) >= 2, 180_000);
    // Polled, not read once: between back-offs the container briefly runs again.
    const c = '.status.containerStatuses[0]';
    await waitForJsonPath(s.kubectl, s.ns, 'crasher', `{.status.phase} {${c}.lastState.terminated.exitCode} {${c}.lastState.terminated.reason} {${c}.state.waiting.reason}`, /^Running 1 Error CrashLoopBackOff$/);
    const described = await s.kubectl(['describe', 'pod', 'crasher', '-n', s.ns]);
    assert.match(described.stdout, /BackOff\s+.*Back-off restarting failed container main/i);
  });

  test('a failing liveness probe restarts the container', async (t) => {
    const s = await cluster.scope(t);
    await create(s.kubectl, s.ns, pod('unhealthy', [{
      name: 'main',
      image: IMAGE,
      command: ['sh', '-c', 'touch /tmp/alive; exec sleep 3600'],
      livenessProbe: { exec: { command: ['cat', '/tmp/alive'] }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 1 },
    }]));
    await waitForRow(s.kubectl, s.ns, 'unhealthy', (r) => r[1] === '1/1' && r[2] === 'Running');
    // The container stops being alive when its file goes.
    const removed = await s.kubectl(['exec', 'unhealthy', '-n', s.ns, '--', 'rm', '/tmp/alive']);
    assert.equal(removed.code, 0, removed.stderr);
    await waitForJsonPath(s.kubectl, s.ns, 'unhealthy', '{.status.containerStatuses[0].restartCount}', /^[1-9]/);
    // The new container made its file again: it runs on.
    await waitForRow(s.kubectl, s.ns, 'unhealthy', (r) => r[1] === '1/1' && r[2] === 'Running');
    const events = await s.kubectl(['get', 'events', '-n', s.ns, '--field-selector', 'involvedObject.name=unhealthy', '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']);
    assert.match(events.stdout, /^Unhealthy\s+Liveness probe failed/m, events.stdout + events.stderr);
    assert.match(events.stdout, /^Killing\s+.*liveness probe/im, events.stdout);
  });

  test('a readiness probe flips the pod from 0/1 to 1/1 when its file appears', async (t) => {
    const s = await cluster.scope(t);
    await create(s.kubectl, s.ns, pod('waiter', [{
      name: 'main',
      image: IMAGE,
      command: ['sleep', '3600'],
      readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 },
    }]));
    // Running but not ready: the probe has nothing to read yet.
    const notReady = await waitForRow(s.kubectl, s.ns, 'waiter', (r) => r[2] === 'Running');
    assert.equal(notReady[1], '0/1');
    const conditions = await s.kubectl(['get', 'pod', 'waiter', '-n', s.ns, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    assert.equal(conditions.stdout, 'False');
    const touched = await s.kubectl(['exec', 'waiter', '-n', s.ns, '--', 'touch', '/tmp/ready']);
    assert.equal(touched.code, 0, touched.stderr);
    await waitForRow(s.kubectl, s.ns, 'waiter', (r) => r[1] === '1/1' && r[2] === 'Running');
    const ready = await s.kubectl(['get', 'pod', 'waiter', '-n', s.ns, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.containerStatuses[0].restartCount}']);
    assert.equal(ready.stdout, 'True 0');
  });

  test('a memory hog over limits.memory 32Mi is OOMKilled', async (t) => {
    const s = await cluster.scope(t);
    // tail keeps the whole last "line" of /dev/zero, which never ends: it grows until killed.
    await create(s.kubectl, s.ns, pod('hog', [{
      name: 'main',
      image: IMAGE,
      command: ['tail', '/dev/zero'],
      resources: { limits: { memory: '32Mi' } },
    }], { restartPolicy: 'Never' }));
    const terminated = await waitForJsonPath(s.kubectl, s.ns, 'hog', '{.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode}', /^\w+ \d+$/);
    assert.equal(terminated, 'OOMKilled 137');
    const row = await waitForRow(s.kubectl, s.ns, 'hog', (r) => r[2] === 'OOMKilled');
    assert.equal(row[1], '0/1');
    const phase = await s.kubectl(['get', 'pod', 'hog', '-n', s.ns, '-o', 'jsonpath={.status.phase} {.status.qosClass}']);
    assert.equal(phase.stdout, 'Failed Burstable');
  });

  test('a pod pulls its image from a registry on loopback', async (t) => {
    const why = await registrySkipReason();
    if (why) return t.skip(why);
    const s = await cluster.scope(t);
    let registry: TestRegistry | undefined;
    t.after(() => registry?.stop());
    registry = await startTestRegistry();
    // The registry is on the machine's loopback; the agent pulls from its own node's.
    await node!.forwardLoopbackPort(Number(registry.host.split(':')[1]));
    const archive = path.join(s.dir, 'busybox-docker.tar');
    await exec(path.join(REPO_ROOT, 'scripts', 'build-busybox-image.sh'), ['--format', 'docker', archive, 'e2e/pulled:v1']);
    await registry.push(archive, 'e2e/pulled:v1');
    const image = `${registry.host}/e2e/pulled:v1`;
    await create(s.kubectl, s.ns, pod('pulled', [{ name: 'main', image, command: ['sh', '-c', 'echo running from the registry image; exec sleep 3600'] }]));
    await waitForRow(s.kubectl, s.ns, 'pulled', (r) => r[1] === '1/1' && r[2] === 'Running');
    const status = await s.kubectl(['get', 'pod', 'pulled', '-n', s.ns, '-o', 'jsonpath={.status.containerStatuses[0].image} {.status.containerStatuses[0].imageID}']);
    const [reported, imageID] = status.stdout.split(' ');
    assert.equal(reported, image);
    assert.match(imageID, new RegExp(`^${registry.host.replace(/\./g, '\\.')}/e2e/pulled@sha256:[0-9a-f]{64}$`));
    const described = await s.kubectl(['describe', 'pod', 'pulled', '-n', s.ns]);
    assert.match(described.stdout, new RegExp(`Successfully pulled image "${image.replace(/\./g, '\\.')}"`));
    const logs = await waitFor(async () => (await s.kubectl(['logs', 'pulled', '-n', s.ns])).stdout || undefined, { timeoutMs: 30_000, intervalMs: 500 });
    assert.equal(logs, 'running from the registry image\n');
  });

  test('a killed agent comes back to the same running containers', async (t) => {
    const s = await cluster.scope(t);
    await create(s.kubectl, s.ns, pod('survivor', [
      { name: 'main', image: IMAGE, command: ['sleep', '3600'] },
      { name: 'side', image: IMAGE, command: ['sh', '-c', 'exec sleep 3600'] },
    ]));
    await waitForRow(s.kubectl, s.ns, 'survivor', (r) => r[1] === '2/2' && r[2] === 'Running');
    const runtime = new OciRuntime({ rootDir: path.join(dataDir, 'agent') });
    /** Each container's ID, restart count, host PID (from the runtime) and process start time (as the container sees it). */
    const observe = async () => {
      const ids = await s.kubectl(['get', 'pod', 'survivor', '-n', s.ns, '-o', 'jsonpath={range .status.containerStatuses[*]}{.name}={.containerID}={.restartCount}{"\\n"}{end}']);
      const seen: Record<string, { containerID: string; restartCount: string; pid?: number; started: string }> = {};
      for (const line of ids.stdout.trim().split('\n')) {
        const [name, containerID, restartCount] = line.split('=');
        const pid = (await runtime.containerStatus(containerID.replace(/^[a-z]+:\/\//, '')))?.pid;
        // Field 22 of /proc/1/stat: when the container's first process started, in ticks since boot.
        const stat = await s.kubectl(['exec', 'survivor', '-c', name, '-n', s.ns, '--', 'cat', '/proc/1/stat']);
        assert.equal(stat.code, 0, stat.stderr);
        seen[name] = { containerID, restartCount, pid, started: stat.stdout.split(') ')[1].split(' ')[19] };
      }
      return seen;
    };
    const before = await observe();
    assert.ok(before.main.pid && before.side.pid, JSON.stringify(before));

    agentOutput.push(agent!.output());
    await stopChild(agent!.child);
    // With the agent gone the containers run on.
    for (const c of Object.values(before)) assert.equal((await runtime.containerStatus(c.containerID.replace(/^[a-z]+:\/\//, '')))?.pid, c.pid);
    await startAgent();

    // The new agent at work: a new pod runs, and by then the survivor has been synced again.
    await create(s.kubectl, s.ns, pod('newcomer', [{ name: 'main', image: IMAGE, command: ['sleep', '3600'] }]));
    await waitForRow(s.kubectl, s.ns, 'newcomer', (r) => r[1] === '1/1' && r[2] === 'Running');
    const row = await waitForRow(s.kubectl, s.ns, 'survivor', (r) => r[2] === 'Running');
    assert.equal(row[1], '2/2');
    assert.equal(row[3], '0');
    assert.deepEqual(await observe(), before);
    const containers = (await runtime.listContainers()).filter((c) => c.pod.name === 'survivor');
    assert.equal(containers.length, 2, JSON.stringify(containers));
  });
});
