/**
 * The node-side `ip` commands of many pods in one process. A node starting a hundred pods at
 * once would otherwise start a hundred `ip -batch` processes, and each process costs more than
 * the netlink work it does. Requests that arrive while a batch runs wait for it and then go
 * together, as one `ip -force -batch -`: -force runs every line even when one fails, and ip
 * names each failed line ("Command failed -:N") after its message, so each request learns of
 * its own failures only. A request alone runs at once, without waiting for company.
 */
import { NetworkCommandError, type RunCommand } from './commands.ts';

interface Request {
  /** Batch lines, newline-terminated. */
  text: string;
  resolve(): void;
  reject(err: Error): void;
}

const ARGV = ['ip', '-force', '-batch', '-'];

/** One node's queue of `ip -batch` requests (see the file's comment). */
export class IpBatcher {
  private queue: Request[] = [];
  private running = false;

  constructor(private readonly run: RunCommand) {}

  /** Runs `text` (ip batch lines) in the next batch; rejects with {@link NetworkCommandError} if any of its lines failed. */
  submit(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text: text.endsWith('\n') ? text : `${text}\n`, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.run(ARGV, { input: batch.map((r) => r.text).join('') });
        for (const r of batch) r.resolve();
      } catch (err) {
        settleFailed(batch, err as Error);
      }
    }
    this.running = false;
  }
}

/** Rejects the requests whose lines ip reported as failed, resolves the rest. */
function settleFailed(batch: Request[], err: Error): void {
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
  if (failures.size === 0) {
    for (const r of batch) r.reject(err);
    return;
  }
  let first = 1;
  for (const r of batch) {
    const count = r.text.split('\n').length - 1;
    const own = [...failures].filter(([n]) => n >= first && n < first + count).map(([, m]) => m);
    first += count;
    if (own.length) r.reject(new NetworkCommandError(ARGV, own.join('\n'), undefined, { cause: err }));
    else r.resolve();
  }
}
