/**
 * The node-side `ip` commands of many pods in one process. A node starting a hundred pods at
 * once would otherwise start a hundred `ip -batch` processes, and each process costs more than
 * the netlink work it does. Requests that arrive while a batch runs wait for it and then go
 * together, as one `ip -force -batch -`: -force runs every line even when one fails, and ip
 * names each failed line ("Command failed -:N") after its message, so each request learns of
 * its own failures only. A request alone runs at once, without waiting for company.
 */
import { BatchQueue } from '../batch-queue.ts';
import { NetworkCommandError, type RunCommand } from './commands.ts';

const ARGV = ['ip', '-force', '-batch', '-'];

/** One node's queue of `ip -batch` requests (see the file's comment). */
export class IpBatcher {
  private readonly batches: BatchQueue<string>;

  constructor(run: RunCommand) {
    this.batches = new BatchQueue(async (texts) => {
      try {
        await run(ARGV, { input: texts.join('') });
        return texts.map(() => undefined);
      } catch (err) {
        return failuresOf(texts, err as Error);
      }
    });
  }

  /** Runs `text` (ip batch lines) in the next batch; rejects with {@link NetworkCommandError} if any of its lines failed. */
  submit(text: string): Promise<void> {
    return this.batches.submit(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** For each request's lines (newline-terminated), the error of its lines ip reported as failed, if any. */
function failuresOf(texts: string[], err: Error): (Error | undefined)[] {
  const stderr = err instanceof NetworkCommandError ? err.stderr : '';
  const failures = new Map<number, string>();
  let message: string[] = [];
  for (const line of stderr.split('\n')) {
    const failed = /^Command failed -:(\d+)$/.exec(line.trim());
    if (failed) {
      failures.set(Number(failed[1]), message.join('\n'));
      message = [];
    } else if (line.trim()) {
      message.push(line);
    }
  }
  // Not ip's per-line report (ip missing, say): every request failed with it.
  if (failures.size === 0) return texts.map(() => err);
  let first = 1;
  return texts.map((text) => {
    const count = text.split('\n').length - 1;
    const own = [...failures].filter(([n]) => n >= first && n < first + count).map(([, m]) => m);
    first += count;
    return own.length ? new NetworkCommandError(ARGV, own.join('\n'), undefined, { cause: err }) : undefined;
  });
}
