/**
 * The `skiff` processes of a local cluster: each started detached (its own process group, so it
 * outlives `skiff cluster up` and is killed whole), optionally inside a host's network and mount
 * namespaces (`nsenter`), with its output appended to a log file. A pid is trusted only while its command line still names the
 * cluster's data directory: pids are reused.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SKIFF_BIN, skiffNodeFlags } from '../cli/node-flags.ts';

export interface SkiffProcessSpec {
  /** The `skiff` arguments, e.g. ['agent', '--server', URL, ...]. */
  args: string[];
  /** The network and mount namespace files to run in; default the machine's own. */
  namespaces?: { net: string; mount: string };
  /** Where stdout and stderr go (appended). */
  logPath: string;
}

/**
 * Starts `skiff ARGS` detached. Returns its pid, and the log's length before it started (where
 * {@link waitForLog} looks from: a restarted process appends to its predecessor's log).
 */
export function startSkiffProcess(spec: SkiffProcessSpec): { pid: number; logOffset: number } {
  const command = [process.execPath, ...skiffNodeFlags(), SKIFF_BIN, ...spec.args];
  const ns = spec.namespaces;
  const [file, ...args] = ns ? ['nsenter', `--net=${ns.net}`, `--mount=${ns.mount}`, '--', ...command] : command;
  const log = openSync(spec.logPath, 'a', 0o600);
  try {
    const logOffset = fstatSync(log).size;
    const child = spawn(file, args, { detached: true, stdio: ['ignore', log, log], cwd: resolve(SKIFF_BIN, '..', '..') });
    if (child.pid === undefined) throw new Error(`could not start ${file}`);
    child.unref();
    return { pid: child.pid, logOffset };
  } finally {
    closeSync(log);
  }
}

/** Whether `pid` is alive and its command line mentions `marker` (the cluster's data directory). */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  try {
    const cmdline = await readFile(join('/proc', String(pid), 'cmdline'), 'utf8');
    const state = await readFile(join('/proc', String(pid), 'stat'), 'utf8');
    // A zombie has exited already: only its parent's wait is missing.
    return cmdline.includes(marker) && !/^\d+ \(.*\) Z/.test(state);
  } catch {
    return false;
  }
}

/** SIGKILLs `pid`'s process group if the process is ours, and waits until it is gone. */
export async function killSkiffProcess(pid: number, marker: string): Promise<void> {
  if (!(await isOurProcess(pid, marker))) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return;
  }
  while (await isOurProcess(pid, marker)) await delay(20);
}

/**
 * Waits until the log at `logPath`, from byte `started.logOffset` on, matches `pattern` while
 * process `started.pid` runs.
 * @throws Error with the log's tail when the process exits first or `timeoutMs` passes
 */
export async function waitForLog(logPath: string, pattern: RegExp, started: { pid: number; logOffset: number }, marker: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { pid, logOffset } = started;
  for (;;) {
    const text = (await readFile(logPath).catch(() => Buffer.alloc(0))).subarray(logOffset).toString('utf8');
    if (pattern.test(text)) return;
    const tail = () => text.trim().split('\n').slice(-15).join('\n');
    if (!(await isOurProcess(pid, marker))) throw new Error(`the process exited before printing ${pattern}; ${logPath} ends:\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in ${logPath}; it ends:\n${tail()}`);
    await delay(100);
  }
}

/** A TCP port free on `address` right now (the server is told it, so its agents can start at once). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
