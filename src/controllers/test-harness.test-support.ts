/**
 * Runs a chosen set of controllers against a real API server for an integration test, the way
 * the controller manager runs them, without leader election. Returns once their informers have
 * synced and they are running.
 */
import type { RestClient } from '../client/index.ts';
import type { ControllerConstructor, ControllerManagerOptions } from './controller.ts';
import { startControllerManager } from './manager.ts';

export async function startControllers(
  kubeconfigPath: string,
  controllers: ControllerConstructor[],
  options: Partial<ControllerManagerOptions> = {},
): Promise<{ client: RestClient; stop(): Promise<void> }> {
  const manager = await startControllerManager({
    kubeconfigPath,
    controllers,
    options,
    leaderElection: false,
    log: process.env.SKIFF_TEST_LOG ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
  await manager.started;
  return { client: manager.client, stop: () => manager.stop() };
}
