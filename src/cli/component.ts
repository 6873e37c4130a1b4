/**
 * What every stand-alone component command (`skiff controller-manager | scheduler | kubelet`)
 * does around its component: check the kubeconfig is readable, start, say so on stdout, log
 * to stderr, and stop cleanly on SIGINT or SIGTERM. A failure to start is one line and exit 1.
 */
import { access } from 'node:fs/promises';

export type Log = (line: string) => void;

export interface ComponentCommand<C extends { stop(): Promise<void> }> {
  kubeconfig: string;
  start(log: Log): Promise<C>;
  /** The line printed once it runs. */
  started(component: C): string;
  /** The one-line reason for a start failure. Default: the error's message. */
  explain?(err: unknown): string;
  /** Logged when a signal stops it, after "SIGTERM received, ". Default "stopping". */
  stopping?: string;
}

export async function runComponent<C extends { stop(): Promise<void> }>(command: ComponentCommand<C>): Promise<void> {
  const log: Log = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  try {
    await access(command.kubeconfig);
  } catch {
    process.stderr.write(`skiff: error: cannot read kubeconfig ${command.kubeconfig}: pass --kubeconfig with the file 'skiff server' wrote\n`);
    process.exit(1);
  }
  let component: C;
  try {
    component = await command.start(log);
  } catch (err) {
    const reason = command.explain ? command.explain(err) : err instanceof Error ? err.message : String(err);
    process.stderr.write(`skiff: error: ${reason}\n`);
    process.exit(1);
  }
  process.stdout.write(`${command.started(component)}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, ${command.stopping ?? 'stopping'}`);
    await component.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
