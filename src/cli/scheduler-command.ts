/**
 * `skiff scheduler`: the scheduler alone, against the cluster a kubeconfig names, campaigning
 * for leadership so several can run and only one schedules.
 */
import { access } from 'node:fs/promises';
import { loadSchedulerConfiguration, startScheduler, type SchedulerConfiguration } from '../scheduler/index.ts';

export async function runScheduler(flags: { kubeconfig: string; config?: string }): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  try {
    await access(flags.kubeconfig);
  } catch {
    process.stderr.write(`skiff: error: cannot read kubeconfig ${flags.kubeconfig}: pass --kubeconfig with the file 'skiff server' wrote\n`);
    process.exit(1);
  }
  let scheduler;
  try {
    const config: SchedulerConfiguration | undefined = flags.config ? await loadSchedulerConfiguration(flags.config) : undefined;
    scheduler = await startScheduler({ kubeconfigPath: flags.kubeconfig, config, log });
  } catch (err) {
    process.stderr.write(`skiff: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stdout.write(`Skiff scheduler started against the cluster in ${flags.kubeconfig}; waiting for leadership\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, stopping`);
    await scheduler.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
