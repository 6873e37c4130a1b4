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
 *
 * Workers. The subshell of an `r` command exists only to learn its exit status while the helper
 * reads on, and costs a fork of its own — on a node starting a hundred pods, a few hundred
 * forks. So an `r` command goes, when one is idle, to a worker: another helper, running the same
 * script, that runs `f` commands in the foreground, one at a time — the request file is then the
 * command line itself, the environment it adds as assignments before it (so they reach that
 * command alone), and the shell forks only the command. A worker is started (a spawn from the
 * kubelet, so a few per process: see MAX_WORKERS) when all are busy; once there are that many, a
 * command waits its turn at the least busy worker unless that one is full or has not moved for
 * a while (QUEUE_DEPTH), and then runs in the helper's background as before: a command that
 * runs long or hangs holds up no more than the few already queued behind it.
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
  '  elif [ "$m" = f ]; then . "$d/$id.c"; echo "$id $?" >&3',
  '  else ( . "$d/$id.c"; "$@" <"$i" >"$d/$id.o" 2>"$d/$id.e" 3>&-; echo "$id $?" >&3 ) &',
  '  fi',
  'done',
  'rm -rf "$d"',
].join('\n');

/** A helper shell: the one every mode can go to, or a worker (see the file's comment). */
interface Helper {
  child: ChildProcess;
  dir: string;
  worker: boolean;
  /** A worker's commands sent and not yet answered (the first runs, the others wait their turn). */
  queued: number;
  /** When (Date.now()) a worker last answered, or took a command while idle. */
  moved: number;
}

interface Pending {
  argv: string[];
  helper: Helper;
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

/** `NAME=value` words for the request file; a name the shell would not take is an error. */
function assignments(env: Record<string, string> = {}): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    return `${name}=${quote(value)}`;
  });
}

/**
 * A request file's text (see the file's comment). `r` and `u`: the input and the exports for the
 * subshell to source, and the argv as `set --`; `f`: the command line itself, its environment as
 * assignments before it (which ash gives that command alone) and its redirections after it.
 */
function requestText(mode: 'r' | 'u' | 'f', id: number, argv: string[], input: string, env?: Record<string, string>): string {
  const words = argv.map(quote).join(' ');
  if (mode === 'f') return `nl='\n'\n${[...assignments(env), words].join(' ')} <${quote(input)} >"$d/${id}.o" 2>"$d/${id}.e" 3>&-\n`;
  return `i=${quote(input)}\nnl='\n'\n${assignments(env).map((a) => `export ${a}\n`).join('')}set -- ${words}\n`;
}

/**
 * Workers a process keeps at most. Each is started by a spawn from the kubelet (a fork of it, as
 * the file's comment says, costly) once, and then saves a fork per command; a node's commands are
 * short, and two CPUs run no more than two at a time.
 */
const MAX_WORKERS = 2;

/**
 * Commands a worker takes at most, the one it runs included, and how long since it last moved
 * (answered, or took a command while idle) it still takes more. A node starting a hundred pods
 * asks for dozens at once: queued behind a worker's, they cost a fork each instead of two, and
 * two CPUs run no more at a time anyway; behind one that has not moved for a second (a command
 * running long, or hung), no more go, and at most the few already there wait for it.
 */
const QUEUE_DEPTH = 8;
const STALL_MS = 1000;

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
  private helper?: Helper;
  private readonly workers: Helper[] = [];
  private readonly maxWorkers: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Looks for ready commands that exited before they said so, while any is pending. */
  private watchTimer?: NodeJS.Timeout;

  /** `workers`: how many workers to keep at most (default MAX_WORKERS; 0, every command in the helper's background). */
  constructor(options: { workers?: number } = {}) {
    this.maxWorkers = options.workers ?? MAX_WORKERS;
  }

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
    let helper: Helper;
    const id = this.nextId++;
    let mode: 'r' | 'u' | 'f' = options.ready ? 'u' : 'r';
    try {
      const worker = options.ready ? undefined : this.idleWorker();
      if (worker) mode = 'f';
      helper = worker ?? this.mainHelper();
      const input = options.input !== undefined ? join(helper.dir, `${id}.i`) : '/dev/null';
      if (options.input !== undefined) writeFileSync(input, options.input);
      writeFileSync(join(helper.dir, `${id}.c`), requestText(mode, id, [binary, ...argv.slice(1)], input, options.env));
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { argv, helper, ready: options.ready === true, resolve, reject });
      if (mode === 'f') {
        if (helper.queued === 0) helper.moved = Date.now();
        helper.queued++;
      }
      this.reference();
      helper.child.stdin!.write(`${id} ${mode}\n`);
    });
  }

  /** An idle worker, started if none is and there are fewer than the most (see the file's comment). */
  private idleWorker(): Helper | undefined {
    const idle = this.workers.find((w) => w.queued === 0);
    if (idle) return idle;
    if (this.workers.length < this.maxWorkers) {
      const worker = this.startHelper(true);
      this.workers.push(worker);
      return worker;
    }
    const least = this.workers.reduce<Helper | undefined>((a, w) => (!a || w.queued < a.queued ? w : a), undefined);
    return least && least.queued < QUEUE_DEPTH && Date.now() - least.moved < STALL_MS ? least : undefined;
  }

  private mainHelper(): Helper {
    return (this.helper ??= this.startHelper(false));
  }

  private startHelper(worker: boolean): Helper {
    // Requests and outputs are files: on tmpfs where there is one, each costs no disk journal.
    const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'skiff-spawner-'));
    // Detached: a session of its own, which what it starts inherits (see the file's comment).
    const child = spawn('/bin/busybox', ['sh', '-c', HELPER_SCRIPT, 'skiff-spawner', dir], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
    const helper: Helper = { child, dir, worker, queued: 0, moved: Date.now() };
    createInterface({ input: child.stdout! }).on('line', (line) => this.settle(line));
    let ended = false;
    const gone = (err?: Error) => {
      if (ended) return;
      ended = true;
      if (this.helper === helper) this.helper = undefined;
      const index = this.workers.indexOf(helper);
      if (index >= 0) this.workers.splice(index, 1);
      rmSync(dir, { recursive: true, force: true });
      for (const [id, p] of this.pending) {
        if (p.helper !== helper) continue;
        this.pending.delete(id);
        p.reject(new Error(`the process spawner exited${err ? `: ${err.message}` : ''} while running ${p.argv[0]}`));
      }
      this.reference();
    };
    child.once('error', gone);
    child.once('exit', () => gone());
    child.stdin!.on('error', () => undefined);
    return helper;
  }

  /** A reply line: `<id> <status>`, `<id> pid <pid>` from the helper or `<id> up <pid>` from a ready command. */
  private settle(line: string): void {
    const [idText, first, second] = line.trim().split(/\s+/);
    const id = Number(idText);
    const p = this.pending.get(id);
    if (!p) return;
    if (first === 'pid') {
      p.pid = Number(second);
      p.lookWait = READY_WATCH_MS;
      p.nextLook = Date.now() + READY_WATCH_MS;
      this.watchTimer ??= setInterval(() => this.lookForGone(), READY_WATCH_MS).unref();
      return;
    }
    const file = (suffix: string) => join(p.helper.dir, `${id}.${suffix}`);
    const take = (suffix: string) => {
      const text = existsSync(file(suffix)) ? readFileSync(file(suffix), 'utf8') : '';
      unlinkSafely(file(suffix));
      return text;
    };
    this.pending.delete(id);
    if (p.helper.worker) {
      p.helper.queued--;
      p.helper.moved = Date.now();
    }
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
    for (const helper of [...(this.helper ? [this.helper] : []), ...this.workers]) {
      const streams = [helper.child.stdout, helper.child.stdin] as unknown as { ref?(): void; unref?(): void }[];
      if (this.pending.size > 0) {
        helper.child.ref();
        for (const s of streams) s.ref?.();
      } else {
        helper.child.unref();
        for (const s of streams) s.unref?.();
      }
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
