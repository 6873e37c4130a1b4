/**
 * `skiff controller-manager`: the controllers alone, against the cluster a kubeconfig names,
 * campaigning for leadership so several can run and only one acts.
 */
import { ALL_CONTROLLERS, startControllerManager } from '../controllers/index.ts';
import { runComponent } from './component.ts';

export async function runControllerManager(flags: { kubeconfig: string; nodeMonitorGracePeriod: number }): Promise<void> {
  await runComponent({
    kubeconfig: flags.kubeconfig,
    start: (log) =>
      startControllerManager({
        kubeconfigPath: flags.kubeconfig,
        controllers: ALL_CONTROLLERS,
        options: { nodeMonitorGracePeriodSeconds: flags.nodeMonitorGracePeriod },
        log,
      }),
    started: () => `Skiff controller manager started against the cluster in ${flags.kubeconfig}; waiting for leadership`,
  });
}
