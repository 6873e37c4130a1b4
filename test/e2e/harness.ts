/**
 * The end-to-end harness: a real control plane started in-process on a temporary data dir,
 * driven by the real kubectl and by @kubernetes/client-node exactly as a user would drive it.
 *
 * One control plane per test file keeps the suite fast; each test gets its own namespace and
 * its own kubectl discovery cache (kubectl caches discovery for hours, so a shared cache would
 * let one test see another run's server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import { startControlPlane, type ControlPlane } from '../../src/index.ts';

/** The real kubectl 1.32 of these machines. */
const KUBECTL = '/usr/bin/kubectl';

/** The repository's root, for running `bin/skiff`. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface KubectlOptions {
  /** Written to kubectl's stdin (for `-f -`). */
  stdin?: string;
  /** Extra environment (EDITOR, ...); HOME and PATH are set by the harness. */
  env?: Record<string, string>;
  /** Kill kubectl after this long so a hanging command fails its test instead of the suite (default 60 s). */
  timeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Kubectl = (args: string[], options?: KubectlOptions) => Promise<CommandResult>;

/** A temporary directory removed by {@link removeTempDir}. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `skiff-e2e-${prefix}-`));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/**
 * Runs a program with an argument array (never a shell), feeding `stdin`, and collects its output.
 * A process killed by the timeout reports code 124 and says so on stderr.
 */
export function run(
  file: string,
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === null) resolve({ code: 124, stdout, stderr: `${stderr}[killed by ${signal}]` });
      else resolve({ code, stdout, stderr });
    });
    // A command that exits without reading its input (most do) closes the pipe first: EPIPE is no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

/** The environment kubectl runs in: a private HOME, nothing inherited that could point it elsewhere. */
function kubectlEnv(home: string, extra?: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...extra };
}

/** A kubectl bound to one kubeconfig and one discovery cache dir. */
export function kubectlWith(kubeconfigPath: string, cacheDir: string, home: string): Kubectl {
  return (args, options = {}) =>
    run(KUBECTL, ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args], {
      stdin: options.stdin,
      env: kubectlEnv(home, options.env),
      timeoutMs: options.timeoutMs,
    });
}

/**
 * A long-running kubectl (`get -w`): its output accumulates as it arrives, `waitForOutput`
 * waits for a pattern, `stop` kills it.
 */
export interface KubectlStream {
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function streamKubectl(kubeconfigPath: string, cacheDir: string, home: string, args: string[]): KubectlStream {
  const child = spawn(KUBECTL, ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args], {
    env: kubectlEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return {
    output: () => out,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      waitFor(() => (pattern.test(out) ? out : undefined), {
        timeoutMs,
        message: () => `kubectl ${args.join(' ')} never printed ${pattern}; it printed:\n${out}`,
      }),
    stop: () => stopChild(child),
  };
}

/** Kills a child process (SIGKILL) and waits until it is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * Polls `probe` until it returns something other than undefined/false, or throws the last error
 * (or a timeout error) once `timeoutMs` has passed. Polling with a deadline, never a fixed sleep.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; message?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      if (lastError) throw lastError;
      throw new Error(options.message?.() ?? 'condition not met before the deadline');
    }
    await delay(options.intervalMs ?? 50);
  }
}

/** A free TCP port on loopback (for tests that must restart a server on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

/**
 * One HTTPS request with the credentials of a kubeconfig (or none: `anonymous`), for what
 * kubectl cannot send (oversized bodies, odd media types, unauthenticated calls).
 */
export async function rawRequest(
  kubeConfig: KubeConfig,
  method: string,
  urlPath: string,
  options: { body?: string | Buffer; headers?: Record<string, string>; anonymous?: boolean } = {},
): Promise<RawResponse> {
  const server = new URL(kubeConfig.getCurrentCluster()!.server);
  const opts: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(opts);
  const request: https.RequestOptions = {
    host: server.hostname,
    port: server.port,
    method,
    path: urlPath,
    ca: opts.ca,
    agent: false,
    headers: { ...(options.anonymous ? {} : (opts.headers as Record<string, string>)), ...options.headers },
  };
  if (!options.anonymous) {
    request.cert = opts.cert;
    request.key = opts.key;
  }
  return new Promise((resolve, reject) => {
    const req = https.request(request, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** What one test works in: its own namespace, kubectl with its own discovery cache, a scratch dir. */
export interface TestScope {
  ns: string;
  kubectl: Kubectl;
  /** Starts a long-running kubectl (e.g. `get -w`), killed when the test ends. */
  stream(args: string[]): KubectlStream;
  /** Writes a file into the test's scratch dir and returns its path. */
  writeFile(name: string, content: string, mode?: number): Promise<string>;
  dir: string;
}

/** The hooks `node:test` gives a test context; only `after` is needed. */
interface TestContextLike {
  name: string;
  after(fn: () => unknown): void;
}

export interface Cluster {
  controlPlane: ControlPlane;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** A fresh namespace and kubectl cache for one test; removed with the cluster. */
  scope(t: TestContextLike): Promise<TestScope>;
  /** Stops the control plane and starts it again on the same data dir and port. */
  restart(): Promise<void>;
  /** Stops the control plane and removes every temporary file. Safe to call twice. */
  stop(): Promise<void>;
}

let nameCounter = 0;

/** A DNS-1123 label unique in this run, derived from the test name so failures are easy to trace. */
function uniqueName(hint: string): string {
  const base = hint.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  nameCounter += 1;
  return `${base || 't'}-${process.pid.toString(36)}-${nameCounter}`;
}

/**
 * Starts a control plane in-process on a temp data dir (port 0 unless given) and returns the
 * handles tests need. Call `stop` in `after`. The controllers stay off unless asked for, so a
 * test of the API server sees objects exactly as the API left them.
 */
export async function startCluster(options: { port?: number; controllers?: boolean } = {}): Promise<Cluster> {
  const controllers = options.controllers ?? false;
  const root = await makeTempDir('cluster');
  const dataDir = path.join(root, 'data');
  const home = path.join(root, 'home');
  await mkdir(home);
  let controlPlane: ControlPlane;
  try {
    controlPlane = await startControlPlane({ dataDir, port: options.port ?? 0, controllers });
  } catch (err) {
    await removeTempDir(root);
    throw err;
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
  const streams: KubectlStream[] = [];
  let stopped = false;

  const cluster: Cluster = {
    controlPlane,
    kubeconfigPath: controlPlane.kubeconfigPath,
    kubeConfig,
    async scope(t) {
      const ns = uniqueName(t.name);
      const dir = path.join(root, 'tests', ns);
      await mkdir(dir, { recursive: true });
      const created = await rawRequest(kubeConfig, 'POST', '/api/v1/namespaces', {
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
        headers: { 'Content-Type': 'application/json' },
      });
      if (created.status !== 201) throw new Error(`creating namespace ${ns}: ${created.status} ${created.body}`);
      const cacheDir = path.join(dir, 'kube-cache');
      const own: KubectlStream[] = [];
      t.after(() => Promise.all(own.map((s) => s.stop())));
      return {
        ns,
        dir,
        kubectl: kubectlWith(controlPlane.kubeconfigPath, cacheDir, home),
        stream(args) {
          const s = streamKubectl(controlPlane.kubeconfigPath, cacheDir, home, args);
          own.push(s);
          streams.push(s);
          return s;
        },
        async writeFile(name, content, mode) {
          const file = path.join(dir, name);
          await writeFile(file, content, { mode });
          return file;
        },
      };
    },
    async restart() {
      const port = cluster.controlPlane.port;
      await cluster.controlPlane.stop();
      cluster.controlPlane = await startControlPlane({ dataDir, port, controllers });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(streams.map((s) => s.stop()));
      try {
        await cluster.controlPlane.stop();
      } finally {
        await removeTempDir(root);
      }
    },
  };
  return cluster;
}

/** `bin/skiff` running as a child process, as an operator runs it. */
export interface SkiffProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
}

/** `wrapper` runs before the command, e.g. `['nsenter', '--net=/run/netns/X', '--']` to run it in a network namespace. */
export function spawnSkiff(args: string[], options: { wrapper?: string[] } = {}): SkiffProcess {
  const [file, ...argv] = [...(options.wrapper ?? []), process.execPath, path.join(REPO_ROOT, 'bin', 'skiff'), ...args];
  const child = spawn(file, argv, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => out,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      const gone = () => child.exitCode !== null || child.signalCode !== null;
      await waitFor(() => pattern.test(out) || gone(), {
        timeoutMs,
        message: () => `skiff ${args.join(' ')} never printed ${pattern}; it printed:\n${out}`,
      });
      if (!pattern.test(out)) throw new Error(`skiff ${args.join(' ')} exited without printing ${pattern}; it printed:\n${out}`);
      return out;
    },
    exited,
  };
}

/** Waits until `GET /healthz` answers ok, without credentials, on the server a kubeconfig names. */
export async function waitForHealthy(kubeconfigPath: string, timeoutMs = 20_000): Promise<KubeConfig> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  await waitFor(async () => {
    const res = await rawRequest(kc, 'GET', '/healthz', { anonymous: true });
    return res.status === 200 && res.body === 'ok';
  }, { timeoutMs, message: () => `${kc.getCurrentCluster()?.server}/healthz never answered ok` });
  return kc;
}

/**
 * Several objects as one multi-document manifest (`kubectl create -f` reads each document).
 * Written as YAML 1.1, which kubectl speaks: `y` and `no` must be quoted there or they turn into booleans.
 */
export function manifests(...objects: object[]): string {
  return objects.map((o) => YAML.stringify(o, { version: '1.1' })).join('---\n');
}

/** A Deployment like `kubectl create deployment NAME --image=IMAGE` makes, sent as JSON. */
export function deploymentManifest(name: string, image: string, replicas = 1): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: image.split(/[:@]/)[0].split('/').pop(), image }] } },
    },
  };
}

/** Strips ANSI colour codes (kubectl cluster-info colours its output even when not on a terminal). */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** The rows of kubectl's table output, each split on runs of two or more spaces. */
export function tableRows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}
