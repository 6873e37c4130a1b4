/**
 * Process spawning off the kubelet's event loop, and cheaply. Forking a large process (the
 * kubelet, often with the control plane beside it) copies its page tables while the event loop
 * waits, and every page either side writes afterwards is copied again: tens of milliseconds a
 * process on a busy node, and a node starting a hundred pods spawns a few hundred. So the
 * runtime's commands (the sandbox set-up, the monitors, `ip -batch`, `nft`, `umount`, the
 * runtime's `delete`) are spawned by a helper: busybox's shell (a small static binary: a fork
 * of it costs a tenth of one of node) running a constant script, started once, in a session of
 * its own, so what it starts outlives it and the kubelet and no signal meant for the kubelet's
 * process group reaches them.
 *
 * The protocol. A request is a file `<id>.c` in the helper's private directory — shell text
 * setting the input file and the environment the command adds, and `set --` with the argv
 * quoted — and a line `<id> <mode>` on the helper's stdin; the shell forks a subshell, which
 * sources the file (buffered reads, where `read` of a long line would be a system call a byte;
 * in the subshell, so what it exports reaches that command alone) and runs the command. Each
 * reply is a line on its stdout: `<id> <exit status>` once the command has ended, its stdout and
 * stderr then in `<id>.o` and `<id>.e` (the subshell waits for it to say so). A `ready` command
 * (the container monitor, which runs for as long as its container) is exec'd by the subshell
 * instead, one process fewer to make and to keep: the helper replies `<id> pid <pid>`, the command keeps the
 * helper's stdout as its own and reports itself with `$SKIFF_SPAWN_ID up <pid>` when its set-up
 * is done, then lets go of the pipe and runs on; one that exits before that is noticed by its
 * pid going (its stderr says why). The helper exits, removing its directory, when its input
 * closes, and is restarted on the next request if it died.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A command that exited non-zero or could not be run; stdout and stderr as far as they got. */
export class SpawnedCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly stdout: string,
    readonly stderr: string,
    /** The exit status, or 'ENOENT' when the binary is missing. */
    readonly code: number | string | null,
  ) {
    super(`Command failed: ${argv.join(' ')}${stderr ? `\n${stderr}` : ''}`);
    this.name = 'SpawnedCommandError';
  }
}

/** How a spawned process ended, or — for `ready` — that it said it is ready. */
export interface SpawnResult {
  /** For `ready`: the pid the process reported. */
  pid?: number;
  stdout: string;
  stderr: string;
  /**
   * Exit status (128 + n when killed by signal n); absent when the process said it is ready, null
   * when a `ready` process exited before it did (its status is not learnt).
   */
  code?: number | null;
  /** Whether the process said it is ready before it exited. */
  matched?: boolean;
}

/** How to spawn one process. */
export interface SpawnOptions {
  /**
   * Resolve as soon as the process writes `$SKIFF_SPAWN_ID up <its pid>` as a line on its stdout
   * (it keeps running; it should then point its stdout and stderr elsewhere).
   */
  ready?: boolean;
  /** Written to the process's stdin (e.g. `ip -batch -`); stdin is /dev/null without it. */
  input?: string;
  /** Added to the process's environment (which is otherwise the kubelet's at the helper's start). Default none. */
  env?: Record<string, string>;
}

/**
 * The helper's script (constant text; $1 its directory). Replies go to fd 3; `r` commands get
 * their output files, `u` ones the reply pipe as stdout (see the file's comment).
 */
const HELPER_SCRIPT = [
  'd=$1',
  'exec 3>&1 >/dev/null',
  'while IFS=" " read -r id m; do',
  '  if [ "$m" = u ]; then ( . "$d/$id.c"; export SKIFF_SPAWN_ID=$id; exec "$@" <"$i" >&3 2>"$d/$id.e" 3>&- ) & echo "$id pid $!" >&3',
  '  else ( . "$d/$id.c"; "$@" <"$i" >"$d/$id.o" 2>"$d/$id.e" 3>&-; echo "$id $?" >&3 ) &',
  '  fi',
  'done',
  'rm -rf "$d"',
].join('\n');

interface Pending {
  argv: string[];
  ready: boolean;
  /** A ready command's pid, once the helper has said it. */
  pid?: number;
  /** Looks of a ready command's pid that found it gone. */
  goneLooks?: number;
  /** When (Date.now()) a ready command's pid is looked at next, and the wait after that look. */
  nextLook?: number;
  lookWait?: number;
  resolve(result: SpawnResult): void;
  reject(err: Error): void;
}

/** A word for the shell: single-quoted, with quotes and newlines spelled out. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`).replace(/\n/g, `'"$nl"'`)}'`;
}

/** `export NAME=value` lines for the request file; a name the shell would not take is an error. */
function exports(env: Record<string, string> = {}): string {
  return Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    return `export ${name}=${quote(value)}\n`;
  }).join('');
}

/**
 * Absolute paths of commands, looked up on PATH once found: busybox's shell would run its own
 * applet for a bare `ip`, `mount` or `nsenter`. A missing one is looked up again next time (it
 * may have been installed meanwhile).
 */
const resolved = new Map<string, string>();
export function resolveCommand(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  let path = resolved.get(name);
  if (!path) {
    const dirs = (process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean);
    path = dirs.map((dir) => join(dir, name)).find((candidate) => existsSync(candidate));
    if (path) resolved.set(name, path);
  }
  return path;
}

/** Spawns processes through the helper (see the file's comment). */
export class Spawner {
  private helper?: ChildProcess;
  private dir?: string;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Looks for ready commands that exited before they said so, while any is pending. */
  private watchTimer?: NodeJS.Timeout;

  /** Runs `argv` to its exit; rejects with {@link SpawnedCommandError} unless it exits 0. */
  async run(argv: string[], options: Pick<SpawnOptions, 'input' | 'env'> = {}): Promise<{ stdout: string; stderr: string }> {
    const result = await this.spawn(argv, options);
    if (result.code !== 0) throw new SpawnedCommandError(argv, result.stdout, result.stderr, result.code ?? null);
    return { stdout: result.stdout, stderr: result.stderr };
  }

  /** Spawns `argv`; resolves when it exits, or with `ready` when it says it is ready. */
  spawn(argv: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
    const binary = resolveCommand(argv[0]);
    if (!binary) return Promise.reject(new SpawnedCommandError(argv, '', `${argv[0]}: not found`, 'ENOENT'));
    let helper: ChildProcess;
    let dir: string;
    try {
      ({ helper, dir } = this.ensureHelper());
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.nextId++;
    const input = options.input !== undefined ? join(dir, `${id}.i`) : '/dev/null';
    try {
      if (options.input !== undefined) writeFileSync(input, options.input);
      writeFileSync(join(dir, `${id}.c`), `i=${quote(input)}\nnl='\n'\n${exports(options.env)}set -- ${[binary, ...argv.slice(1)].map(quote).join(' ')}\n`);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { argv, ready: options.ready === true, resolve, reject });
      this.reference();
      helper.stdin!.write(`${id} ${options.ready ? 'u' : 'r'}\n`);
    });
  }

  private ensureHelper(): { helper: ChildProcess; dir: string } {
    if (this.helper && this.dir) return { helper: this.helper, dir: this.dir };
    // Requests and outputs are files: on tmpfs where there is one, each costs no disk journal.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'skiff-spawner-'));
    // Detached: a session of its own, which what it starts inherits (see the file's comment).
    const helper = spawn('/bin/busybox', ['sh', '-c', HELPER_SCRIPT, 'skiff-spawner', dir], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
    this.helper = helper;
    this.dir = dir;
    createInterface({ input: helper.stdout! }).on('line', (line) => this.settle(line));
    const gone = (err?: Error) => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      this.dir = undefined;
      rmSync(dir, { recursive: true, force: true });
      clearInterval(this.watchTimer);
      this.watchTimer = undefined;
      for (const [, p] of this.pending) p.reject(new Error(`the process spawner exited${err ? `: ${err.message}` : ''} while running ${p.argv[0]}`));
      this.pending.clear();
    };
    helper.once('error', gone);
    helper.once('exit', () => gone());
    helper.stdin!.on('error', () => undefined);
    return { helper, dir };
  }

  /** A reply line: `<id> <status>`, `<id> pid <pid>` from the helper or `<id> up <pid>` from a ready command. */
  private settle(line: string): void {
    const [idText, first, second] = line.trim().split(/\s+/);
    const id = Number(idText);
    const p = this.pending.get(id);
    if (!p || !this.dir) return;
    if (first === 'pid') {
      p.pid = Number(second);
      p.lookWait = READY_WATCH_MS;
      p.nextLook = Date.now() + READY_WATCH_MS;
      this.watchTimer ??= setInterval(() => this.lookForGone(), READY_WATCH_MS).unref();
      return;
    }
    const file = (suffix: string) => join(this.dir!, `${id}.${suffix}`);
    const take = (suffix: string) => {
      const text = existsSync(file(suffix)) ? readFileSync(file(suffix), 'utf8') : '';
      unlinkSafely(file(suffix));
      return text;
    };
    this.pending.delete(id);
    this.reference();
    unlinkSafely(file('c'));
    unlinkSafely(file('i'));
    if (first === 'up' && p.ready) {
      // The process keeps its stderr file open until it lets go of it: only the name goes.
      unlinkSafely(file('e'));
      p.resolve({ pid: Number(second), stdout: '', stderr: '', matched: true });
      return;
    }
    const code = Number(first);
    p.resolve({ stdout: take('o'), stderr: take('e'), code: first !== 'gone' && Number.isInteger(code) ? code : null });
  }

  /**
   * Settles the ready commands whose process is gone (or a zombie) on two looks in a row: a
   * ready line written just before it exited is read in between. A command found running is
   * looked at again after twice the last wait, up to READY_WATCH_MAX_MS: one that fails does so
   * early in its set-up and is still found within a tick or two, while a node starting a hundred
   * containers, each pending for seconds behind the others, does not read every one's /proc
   * stat four times a second.
   */
  private lookForGone(): void {
    let watching = 0;
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (!p.ready || p.pid === undefined) continue;
      watching++;
      if (p.nextLook !== undefined && now < p.nextLook) continue;
      if (processRunning(p.pid)) {
        p.goneLooks = 0;
        p.lookWait = Math.min((p.lookWait ?? READY_WATCH_MS) * 2, READY_WATCH_MAX_MS);
        p.nextLook = now + p.lookWait;
      } else if ((p.goneLooks = (p.goneLooks ?? 0) + 1) >= 2) {
        watching--;
        this.settle(`${id} gone`);
      } else {
        p.nextLook = now + READY_WATCH_MS;
      }
    }
    if (watching === 0 && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = undefined;
    }
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

/**
 * How often pending ready commands are looked at, at first and at most: only one that fails
 * before it is ready is found this way, and a node starting a hundred containers has a hundred
 * pending at once (see lookForGone).
 */
const READY_WATCH_MS = 250;
const READY_WATCH_MAX_MS = 2000;

/** Whether `pid` is a process that has not exited (a zombie has). */
function processRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function unlinkSafely(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}

let shared: Spawner | undefined;

/** The process's one spawner (one helper per kubelet process). */
export function defaultSpawner(): Spawner {
  return (shared ??= new Spawner());
}
