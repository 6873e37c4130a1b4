/**
 * Starting `bin/skiff` as a child of a benchmark and waiting for what it prints: shared by the
 * benches that run the control plane and hollow nodes as processes of their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { skiffNodeFlags } from '../src/cli/node-flags.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** Runs `bin/skiff ARGV` with its own Node flags (as bin/skiff's #! line gives a user) and room for a large heap; its output is echoed, prefixed with `name`, when `verbose`. */
export function spawnSkiff(argv: string[], name: string, options: { verbose: boolean; nodeFlags?: string[] }): ChildProcess {
  const child = spawn(process.execPath, [...skiffNodeFlags(), '--max-old-space-size=8192', ...(options.nodeFlags ?? []), path.join(REPO_ROOT, 'bin', 'skiff'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) => {
    if (options.verbose) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  return child;
}

/**
 * Resolves when `child` prints a line matching `pattern` on `stream` (stdout, where skiff says it is
 * ready; stderr, where its components log); rejects on timeout or exit.
 */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const output = child[stream]!;
    const timer = setTimeout(() => {
      output.off('data', onData);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (pattern.test(seen)) {
        clearTimeout(timer);
        output.off('data', onData);
        resolve();
      }
    };
    output.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: process exited ${code}`));
    });
  });
}
