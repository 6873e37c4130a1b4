/**
 * Process spawning off the kubelet's event loop. Forking a large process (the kubelet, often
 * with the control plane beside it) copies its page tables while the event loop waits: tens of
 * milliseconds a process on a busy node, and a node starting a hundred pods spawns a few hundred.
 * So the runtime's commands (the monitor, `unshare`, `umount`, `runc delete`) are spawned by a
 * small helper process — node with a constant script and nothing else loaded — started once and
 * fed argument arrays as JSON lines; forking it is cheap. Detached processes it starts outlive
 * it (and the kubelet) as before. It exits when its input closes, and is restarted on the next
 * request if it died.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A command that exited non-zero or could not be run; stdout and stderr as far as they got. */
export class SpawnedCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly stdout: string,
    readonly stderr: string,
    /** The exit status, or e.g. 'ENOENT' when the binary is missing. */
    readonly code: number | string | null,
  ) {
    super(`Command failed: ${argv.join(' ')}${stderr ? `\n${stderr}` : ''}`);
    this.name = 'SpawnedCommandError';
  }
}

/** How a spawned process ended, or — for `until` — that its output said so first. */
export interface SpawnResult {
  pid?: number;
  stdout: string;
  stderr: string;
  /** Exit status; absent when `until` matched while the process runs on. */
  code?: number | null;
  /** Whether stdout contained `until` before the process exited. */
  matched?: boolean;
}

/** How to spawn one process. */
export interface SpawnOptions {
  /** In its own session, left running once `until` has been seen. */
  detached?: boolean;
  /** Resolve as soon as stdout contains this text (the process keeps running). */
  until?: string;
  /** Written to the process's stdin, which is then closed (e.g. `ip -batch -`); stdin is /dev/null without it. */
  input?: string;
}

/**
 * The helper's script: constant text. Each input line is {id, argv, detached, until, input}; each
 * output line {id, pid, stdout, stderr, code | matched | error}.
 */
const HELPER_SCRIPT = `
const { spawn } = require('node:child_process');
const reply = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, argv, detached, until, input } = JSON.parse(line);
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), { detached, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  } catch (e) {
    return reply({ id, stdout: '', stderr: '', error: String(e.message), code: e.code ?? null });
  }
  if (input !== undefined) { child.stdin.on('error', () => {}); child.stdin.end(input); }
  let out = '', err = '', done = false;
  const finish = (m) => {
    if (done) return;
    done = true;
    if (m.matched) { child.stdout.destroy(); child.stderr.destroy(); child.unref(); }
    reply({ id, pid: child.pid, stdout: out, stderr: err, ...m });
  };
  child.stdout.on('data', (d) => { out += d; if (until && out.includes(until)) finish({ matched: true }); });
  child.stderr.on('data', (d) => { err += d; });
  child.on('error', (e) => finish({ error: String(e.message), code: e.code ?? null }));
  child.on('close', (code, signal) => finish({ code: code ?? (signal ? 128 : null) }));
}).on('close', () => process.exit(0));
`;

interface Pending {
  argv: string[];
  resolve(result: SpawnResult): void;
  reject(err: Error): void;
}

/** Spawns processes through the helper (see the file's comment). */
export class Spawner {
  private helper?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Runs `argv` to its exit; rejects with {@link SpawnedCommandError} unless it exits 0. */
  async run(argv: string[], options: Pick<SpawnOptions, 'input'> = {}): Promise<{ stdout: string; stderr: string }> {
    const result = await this.spawn(argv, options);
    if (result.code !== 0) throw new SpawnedCommandError(argv, result.stdout, result.stderr, result.code ?? null);
    return { stdout: result.stdout, stderr: result.stderr };
  }

  /** Spawns `argv`; resolves when it exits, or when its stdout shows `options.until`. */
  spawn(argv: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
    const helper = this.ensureHelper();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { argv, resolve, reject });
      this.reference();
      helper.stdin!.write(`${JSON.stringify({ id, argv, detached: options.detached === true, until: options.until, input: options.input })}\n`);
    });
  }

  private ensureHelper(): ChildProcess {
    if (this.helper) return this.helper;
    const helper = spawn(process.execPath, ['-e', HELPER_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.helper = helper;
    createInterface({ input: helper.stdout! }).on('line', (line) => this.settle(JSON.parse(line)));
    const gone = (err?: Error) => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      for (const [, p] of this.pending) p.reject(new Error(`the process spawner exited${err ? `: ${err.message}` : ''} while running ${p.argv[0]}`));
      this.pending.clear();
    };
    helper.once('error', gone);
    helper.once('exit', () => gone());
    helper.stdin!.on('error', () => undefined);
    return helper;
  }

  private settle(message: SpawnResult & { id: number; error?: string; code?: number | string | null }): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    this.reference();
    if (message.error !== undefined) p.reject(new SpawnedCommandError(p.argv, message.stdout, message.stderr || message.error, message.code ?? null));
    else p.resolve({ pid: message.pid, stdout: message.stdout, stderr: message.stderr, ...(message.matched ? { matched: true } : { code: message.code as number | null }) });
  }

  /** The helper keeps this process alive only while it has work: an idle kubelet can exit. */
  private reference(): void {
    const helper = this.helper;
    if (!helper) return;
    const streams = [helper.stdout, helper.stdin] as unknown as { ref?(): void; unref?(): void }[];
    if (this.pending.size > 0) {
      helper.ref();
      for (const s of streams) s.ref?.();
    } else {
      helper.unref();
      for (const s of streams) s.unref?.();
    }
  }
}

let shared: Spawner | undefined;

/** The process's one spawner (one helper per kubelet process). */
export function defaultSpawner(): Spawner {
  return (shared ??= new Spawner());
}
