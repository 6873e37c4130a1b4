/**
 * `skiff scheduler`: the scheduler alone, against the cluster a kubeconfig names, campaigning
 * for leadership so several can run and only one schedules (unless `--leader-elect=false`).
 */
import { InvalidArgumentError } from 'commander';
import type { SchedulerConfiguration } from '../scheduler/index.ts';
import { runComponent } from './component.ts';

/** Parses a flag's `true` / `false`, as upstream's `--leader-elect=false`. */
export function parseBoolean(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InvalidArgumentError('expected true or false.');
}

/** Runs the scheduler until SIGINT or SIGTERM; `leaderElect: false` schedules without taking the Lease. */
export async function runScheduler(flags: { kubeconfig: string; config?: string; leaderElect?: boolean }): Promise<void> {
  await runComponent({
    kubeconfig: flags.kubeconfig,
    start: async (log) => {
      const { loadSchedulerConfiguration, startScheduler } = await import('../scheduler/index.ts');
      const config: SchedulerConfiguration | undefined = flags.config ? await loadSchedulerConfiguration(flags.config) : undefined;
      return startScheduler({ kubeconfigPath: flags.kubeconfig, config, log, leaderElect: flags.leaderElect !== false });
    },
    started: () => `Skiff scheduler started against the cluster in ${flags.kubeconfig}${flags.leaderElect === false ? '' : '; waiting for leadership'}`,
  });
}
