/**
 * `skiff controller-manager`: the controllers alone, against the cluster a kubeconfig names,
 * campaigning for leadership so several can run and only one acts.
 */
import { access } from 'node:fs/promises';
import { ALL_CONTROLLERS, startControllerManager } from '../controllers/index.ts';

export async function runControllerManager(flags: { kubeconfig: string; nodeMonitorGracePeriod: number }): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  try {
    await access(flags.kubeconfig);
  } catch {
    process.stderr.write(`skiff: error: cannot read kubeconfig ${flags.kubeconfig}: pass --kubeconfig with the file 'skiff server' wrote\n`);
    process.exit(1);
  }
  let manager;
  try {
    manager = await startControllerManager({
      kubeconfigPath: flags.kubeconfig,
      controllers: ALL_CONTROLLERS,
      options: { nodeMonitorGracePeriodSeconds: flags.nodeMonitorGracePeriod },
      log,
    });
  } catch (err) {
    process.stderr.write(`skiff: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  process.stdout.write(`Skiff controller manager started against the cluster in ${flags.kubeconfig}; waiting for leadership\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, stopping`);
    await manager.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
