/**
 * The two Linux tools the proxy drives, through execFile with argument arrays: `nft -f -` to
 * apply a script as one transaction, and `conntrack -D` to forget stale flows. Each takes its
 * command as a prefix so a test can run it in its own network namespace
 * (`['ip', 'netns', 'exec', NS, 'nft']`).
 */
import { execFile } from 'node:child_process';

/** A tool exited with a failure; `stderr` says why. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** nft refused a script (nothing of it was applied) or a command. */
export class NftError extends ToolError {
  constructor(message: string, stderr: string) {
    super(message, stderr);
    this.name = 'NftError';
  }
}

/** Runs `command` with `args`, feeding it `input`; resolves to its exit code and output (rejects only when it cannot start). */
function run(command: readonly string[], args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command[0], [...command.slice(1), ...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
    // A tool that exits without reading its input (refusing its arguments) is reported by its exit code.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** Applies `script` atomically with `nft -f -`. */
export async function applyNftScript(nft: readonly string[], script: string): Promise<void> {
  const { code, stderr } = await run(nft, ['-f', '-'], script);
  if (code !== 0) throw new NftError(`nft -f failed (exit ${code}): ${firstLines(stderr, 6)}`, stderr);
}

/** `nft ARGS` (e.g. a listing); resolves to its output. */
export async function nftCommand(nft: readonly string[], args: string[]): Promise<string> {
  const { code, stdout, stderr } = await run(nft, args);
  if (code !== 0) throw new NftError(`nft ${args.join(' ')} failed (exit ${code}): ${firstLines(stderr, 3)}`, stderr);
  return stdout;
}

/** `conntrack -D FILTER`; finding nothing to delete (exit 1) is not a failure. */
export async function deleteConntrackEntries(conntrack: readonly string[], filter: string[]): Promise<void> {
  const { code, stderr } = await run(conntrack, ['-D', ...filter]);
  if (code !== 0 && !/0 flow entries/.test(stderr)) throw new ToolError(`conntrack -D ${filter.join(' ')} failed (exit ${code}): ${firstLines(stderr, 2)}`, stderr);
}

/** `sysctl -w NAME=VALUE`. */
export async function writeSysctl(sysctl: readonly string[], name: string, value: string): Promise<void> {
  const { code, stderr } = await run(sysctl, ['-w', `${name}=${value}`]);
  if (code !== 0) throw new ToolError(`sysctl -w ${name}=${value} failed (exit ${code}): ${firstLines(stderr, 2)}`, stderr);
}

function firstLines(text: string, n: number): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}
