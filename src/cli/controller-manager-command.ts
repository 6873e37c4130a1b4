/**
 * `skiff controller-manager`: the controllers alone, against the cluster a kubeconfig names,
 * campaigning for leadership so several can run and only one acts.
 */
import { runComponent } from './component.ts';

/** The flags of `skiff controller-manager`. */
export interface ControllerManagerFlags {
  kubeconfig: string;
  nodeMonitorGracePeriod: number;
  clusterCidr: string;
  nodeCidrMaskSize: number;
}

export async function runControllerManager(flags: ControllerManagerFlags): Promise<void> {
  await runComponent({
    kubeconfig: flags.kubeconfig,
    start: async (log) => {
      const { ALL_CONTROLLERS, startControllerManager } = await import('../controllers/index.ts');
      return startControllerManager({
        kubeconfigPath: flags.kubeconfig,
        controllers: ALL_CONTROLLERS,
        options: { nodeMonitorGracePeriodSeconds: flags.nodeMonitorGracePeriod, clusterCidr: flags.clusterCidr, nodeCidrMaskSize: flags.nodeCidrMaskSize },
        log,
      });
    },
    started: () => `Skiff controller manager started against the cluster in ${flags.kubeconfig}; waiting for leadership`,
  });
}
