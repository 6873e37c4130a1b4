/**
 * A thin driver over an OCI runtime binary — runc, or crun with `--cgroup-manager=disabled`: crun
 * removes its cgroups when `crun run` returns (and with them the OOM kill count) and refuses a
 * hybrid layout whose cgroup2 mount has controllers, so for crun the kubelet makes the
 * container's cgroups itself (container-cgroups.ts) and the monitor hides that mount from it
 * (monitor.ts). Every call is one process with an argument array; the runtime's state lives
 * under `root`.
 *
 * Containers are not started with `runc create` + `runc start`: their monitor (monitor.ts) runs
 * `runc run` in the foreground, the container init's parent (and a child subreaper), the one
 * process that can reap it and learn its exit status. See oci-runtime.ts for why.
 *
 * crun is run from a read-only mount of itself (read-only-binary.ts), which spares it copying
 * itself on every call. Not runc: runc 1.1 starts its container init with an environment of its
 * own, without the variable that says so, and the init would make its copy anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { basename } from 'node:path';
import * as pty from 'node-pty';
import type { ExecOptions } from './runtime.ts';
import type { ContainerFiles } from './container-files.ts';
import { isReadOnlyMountOf, readOnlyExecutable, type RuntimeExecutable } from './read-only-binary.ts';
import { defaultSpawner } from './spawner.ts';

/** A failed runtime command, with the runtime's own message. */
export class RuncError extends Error {
  constructor(
    message: string,
    /** The runtime said the container does not exist. */
    readonly notFound: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RuncError';
  }
}

/** An exec that outlived its timeout; the process was killed. */
export class ExecTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`command timed out after ${timeoutMs}ms`);
    this.name = 'ExecTimeoutError';
  }
}

/** Which binary, and where it keeps its state. */
export interface RuncOptions {
  /** Path or name of the binary; its base name decides the flavour ('crun' or runc). */
  binary: string;
  /** State directory (`--root`). */
  root: string;
}

const NOT_FOUND = /does not exist|not found|No such file or directory/;

/** Joins the cgroup directories in $0 (no blanks in them), then becomes the runtime's argv. */
const JOIN_AND_EXEC = 'for d in $0; do echo $$ > "$d/cgroup.procs" || exit 1; done; exec "$@"';

/** The runtime binary's commands the kubelet uses: version, run (via the monitor), delete, exec. */
export class Runc {
  readonly binary: string;
  /** 'runc' or 'crun': the node reports it as containerRuntimeVersion `<name>://<version>`. */
  readonly name: 'runc' | 'crun';
  readonly root: string;
  private executable?: Promise<RuntimeExecutable>;

  constructor(options: RuncOptions) {
    this.binary = options.binary;
    this.root = options.root;
    this.name = basename(options.binary).startsWith('crun') ? 'crun' : 'runc';
  }

  /** Whether the runtime makes the container's cgroups from the bundle (crun here does not: the kubelet does). */
  get managesCgroups(): boolean {
    return this.name === 'runc';
  }

  /** e.g. { name: 'runc', version: '1.1.5' } from `runc --version` ("runc version 1.1.5+ds1"). */
  async version(): Promise<{ name: string; version: string }> {
    const { stdout } = await this.command(['--version'], false);
    return { name: this.name, version: parseVersion(stdout) };
  }

  /**
   * The binary to run and what to add to its environment: for crun, its read-only mount, made
   * once (and again if the binary has been replaced since).
   */
  async invocation(): Promise<RuntimeExecutable> {
    if (this.name !== 'crun') return { path: this.binary, env: {}, source: this.binary };
    const current = await (this.executable ??= readOnlyExecutable(this.binary));
    if (current.path === current.source || isReadOnlyMountOf(current.path, current.source)) return current;
    this.executable = undefined;
    return await (this.executable = readOnlyExecutable(this.binary));
  }

  /**
   * The foreground `runc run` the container's monitor runs: runc's own log goes to a JSON file
   * (the reason when a container cannot start); runc keeps the stopped container (`--keep`), so
   * its cgroup — with the memory controller's OOM kill count — stays until delete. With the
   * environment to run it with.
   */
  async runCommand(id: string, files: ContainerFiles): Promise<{ argv: string[]; env: Record<string, string> }> {
    const { path, env } = await this.invocation();
    const argv = [
      path, ...this.globalArgs(), '--log', files.runcLog, '--log-format', 'json',
      'run', ...(this.name === 'runc' ? ['--keep'] : []), '--bundle', files.dir, '--pid-file', files.pid, id,
    ];
    return { argv, env };
  }

  /** Deletes the container (killing it first when `force`); a container it does not know is fine. */
  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.command(['delete', ...(options.force ? ['--force'] : []), id]);
    } catch (err) {
      if (err instanceof RuncError && err.notFound) return;
      throw err;
    }
  }

  /**
   * `runc exec` in the foreground; with a TTY under node-pty, so runc has a controlling terminal
   * to hand the process (resizes: see {@link execWithTty}). Resolves with the command's exit
   * status; a missing command gives runc's message on stderr and a non-zero status.
   */
  async exec(id: string, argv: string[], options: ExecOptions & { pidFile: string; cgroupDirs?: string[] }): Promise<{ exitCode: number }> {
    const { path, env } = await this.invocation();
    const runtimeArgv = [path, ...this.globalArgs(), 'exec', ...(options.tty ? ['--tty'] : []), '--pid-file', options.pidFile, id, ...argv];
    // A runtime that makes no cgroups puts the command in none: join the container's first.
    const args = options.cgroupDirs?.length ? ['/bin/busybox', 'sh', '-c', JOIN_AND_EXEC, options.cgroupDirs.join(' '), ...runtimeArgv] : runtimeArgv;
    let settled = false;
    /** The command's pid, once the runtime has written it; undefined if it ends first. */
    const commandPid = async (): Promise<number | undefined> => {
      for (let delay = 2; !settled; delay = Math.min(delay * 2, 50)) {
        const pid = Number((await readFile(options.pidFile, 'utf8').catch(() => '')).trim());
        if (pid > 0) return pid;
        await new Promise((r) => setTimeout(r, delay));
      }
      return undefined;
    };
    const running = (options.tty ? this.execWithTty(args, env, options, commandPid) : this.execWithPipes(args, env, options)).finally(() => (settled = true));
    const kill = async () => {
      // Killing runc would orphan the command inside the container: kill the command itself.
      const pid = await commandPid();
      if (pid === undefined) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        void kill();
      }, options.timeoutMs);
    }
    const onAbort = () => void kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const exitCode = await running;
      if (timedOut) throw new ExecTimeoutError(options.timeoutMs!);
      return { exitCode };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private execWithPipes(args: string[], env: Record<string, string>, options: ExecOptions): Promise<number> {
    const child: ChildProcess = spawn(args[0], args.slice(1), { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    if (options.stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // the command may exit without reading its input
      options.stdin.pipe(child.stdin);
    }
    if (options.stdout) child.stdout!.pipe(options.stdout, { end: false });
    else child.stdout!.resume();
    if (options.stderr) child.stderr!.pipe(options.stderr, { end: false });
    else child.stderr!.resume();
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        options.stdin?.unpipe(child.stdin!);
        resolve(code ?? 128 + signalNumber(signal));
      });
    });
  }

  /**
   * A resize is applied twice: to node-pty's terminal, which runc copies to the command's on
   * SIGWINCH, and to the command's own terminal, reached from the host through its stdin
   * (/proc/PID/fd/0) with stty — crun 1.8's `exec --tty` sizes the command's terminal once, at
   * the start, and passes no later change on (the kernel sends the command SIGWINCH either way).
   */
  private execWithTty(args: string[], env: Record<string, string>, options: ExecOptions, commandPid: () => Promise<number | undefined>): Promise<number> {
    const term = pty.spawn(args[0], args.slice(1), { name: 'xterm', cols: 80, rows: 24, encoding: null, env: { ...process.env, ...env } } as pty.IPtyForkOptions);
    term.onData((data: string | Buffer) => options.stdout?.write(data));
    const onInput = (chunk: Buffer | string) => term.write(typeof chunk === 'string' ? chunk : chunk.toString('binary'));
    options.stdin?.on('data', onInput);
    let finished = false;
    void (async () => {
      if (!options.resize) return;
      for await (const size of options.resize) {
        if (finished) break;
        const [cols, rows] = [Math.max(1, size.width), Math.max(1, size.height)];
        term.resize(cols, rows);
        const pid = await commandPid();
        if (pid === undefined || finished) break;
        await defaultSpawner().run(['/bin/busybox', 'stty', '-F', `/proc/${pid}/fd/0`, 'rows', String(rows), 'cols', String(cols)]).catch(() => undefined);
      }
    })().catch(() => undefined);
    return new Promise((resolve) => {
      term.onExit(({ exitCode, signal }) => {
        finished = true;
        options.stdin?.off('data', onInput);
        resolve(signal ? 128 + signal : exitCode);
      });
    });
  }

  private globalArgs(): string[] {
    return ['--root', this.root, ...(this.name === 'crun' ? ['--cgroup-manager=disabled'] : [])];
  }

  private async command(args: string[], withGlobals = true): Promise<{ stdout: string }> {
    try {
      const { path, env } = await this.invocation();
      const { stdout } = await defaultSpawner().run([path, ...(withGlobals ? [...this.globalArgs(), ...args] : args)], { env });
      return { stdout };
    } catch (err) {
      const message = runtimeMessage((err as { stderr?: string }).stderr ?? '') || (err as Error).message;
      throw new RuncError(`${this.name} ${args[0]}: ${message}`, NOT_FOUND.test(message), { cause: err });
    }
  }
}

/** "runc version 1.1.5+ds1\ncommit: …" → "1.1.5". */
export function parseVersion(output: string): string {
  const match = /version\s+v?(\d+(?:\.\d+)*)/.exec(output);
  if (!match) throw new Error(`unrecognised runtime version output: ${output.split('\n')[0]}`);
  return match[1];
}

/**
 * The human part of a runtime's stderr: runc logs `time=… level=error msg="…"` (logrus text) or
 * a bare line; crun prints the message as is.
 */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  const messages = lines.map((line) => {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    return m ? JSON.parse(`"${m[1]}"`) as string : line;
  });
  return messages.at(-1) ?? '';
}

/** The last error in runc's JSON log (`--log-format json`): why a container could not start. */
export function lastLoggedError(log: string): string | undefined {
  let last: string | undefined;
  for (const line of log.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) last = entry.msg;
    } catch {
      // crun's or a truncated line: not ours to parse
    }
  }
  return last;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? osConstants.signals[signal] : 0;
}

