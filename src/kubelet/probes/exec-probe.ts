/**
 * exec probes (and exec hooks): run a command in the container through the runtime; exit 0 is
 * success. Output (stdout, then stderr) is kept up to 10 KiB. A command that outlives
 * its timeout fails with `command "..." timed out`, as upstream words it.
 */
import { Writable } from 'node:stream';
import { boundedOutput, MAX_OUTPUT_BYTES, type ProbeTarget } from './target.ts';

export interface ExecResult {
  /** undefined when the command timed out. */
  exitCode?: number;
  /** stdout then stderr, as upstream joins them; or the timeout message. */
  output: string;
  stderr: string;
}

/** Runs `argv` in the target container; rejects only when the runtime cannot run it at all. */
export async function execInContainer(target: ProbeTarget, argv: string[], timeoutMs?: number): Promise<ExecResult> {
  const stdout = boundedOutput();
  const stderr = boundedOutput();
  const sink = (into: ReturnType<typeof boundedOutput>) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        into.write(chunk);
        callback();
      },
    });
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const run = target.runtime.exec(target.containerId, argv, { tty: false, stdout: sink(stdout), stderr: sink(stderr), timeoutMs, signal: abort.signal });
    const outcome = await Promise.race([run, timedOut]);
    if (outcome === 'timeout') {
      abort.abort();
      run.catch(() => {});
      return { output: `command "${argv.join(' ')}" timed out`, stderr: '' };
    }
    const output = Buffer.concat([...stdout.chunks, ...stderr.chunks]).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
    return { exitCode: outcome.exitCode, output, stderr: stderr.text() };
  } finally {
    clearTimeout(timer);
  }
}
