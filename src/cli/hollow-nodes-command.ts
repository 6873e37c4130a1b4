/**
 * `skiff hollow-nodes --count N --kubeconfig FILE`: N simulated nodes (see src/hollow) against
 * any cluster, until SIGINT or SIGTERM; with `--delete-nodes` they are removed on the way out.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { parseQuantity } from '../api/validation/quantity.ts';
import { DEFAULT_HOLLOW_NODE_SHAPE, MAX_HOLLOW_NODES } from '../hollow/hollow-node.ts';
import { defaultDataDir } from './data-dir.ts';
import { runComponent } from './component.ts';

interface HollowNodesFlags {
  count: number;
  kubeconfig: string;
  namePrefix: string;
  cpu: string;
  memory: string;
  pods: number;
  maxInFlight: number;
  deleteNodes?: boolean;
}

function positiveInteger(max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    return n;
  };
}

function quantity(text: string): string {
  const n = parseQuantity(text);
  if (n === undefined || n <= 0) throw new InvalidArgumentError('expected a positive quantity such as 4, 500m or 16Gi.');
  return text;
}

/** Adds `hollow-nodes` to `program`. */
export function registerHollowNodesCommand(program: Command): void {
  const d = DEFAULT_HOLLOW_NODE_SHAPE;
  program
    .command('hollow-nodes')
    .description('simulated nodes (no containers) that register, heartbeat and run their pods, against any cluster')
    .requiredOption('--count <n>', 'how many nodes', positiveInteger(MAX_HOLLOW_NODES))
    .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
    .option('--name-prefix <prefix>', 'node names are this plus 0, 1, ...', 'hollow-')
    .option('--cpu <quantity>', 'CPU capacity of each node', quantity, d.cpu)
    .option('--memory <quantity>', 'memory capacity of each node', quantity, d.memory)
    .option('--pods <n>', 'pods each node takes', positiveInteger(10_000), d.pods)
    .option('--max-in-flight <n>', 'API calls in flight at once for all nodes together (node calls and pod calls each)', positiveInteger(10_000), 32)
    .option('--delete-nodes', 'delete the nodes (and their Leases) on exit, instead of leaving them to go NotReady')
    .action((flags: HollowNodesFlags) =>
      runComponent({
        kubeconfig: flags.kubeconfig,
        start: async (log) => {
          const [{ RestClient }, { startHollowNodes }] = await Promise.all([import('../client/index.ts'), import('../hollow/index.ts')]);
          const client = await RestClient.fromKubeconfig(flags.kubeconfig, { userAgent: 'skiff-hollow-nodes' });
          try {
            const nodes = await startHollowNodes({
              client,
              count: flags.count,
              namePrefix: flags.namePrefix,
              shape: { cpu: flags.cpu, memory: flags.memory, pods: flags.pods },
              maxInFlight: flags.maxInFlight,
              deleteNodesOnStop: flags.deleteNodes === true,
              log,
            });
            return {
              nodes,
              async stop() {
                await nodes.stop();
                client.close();
              },
            };
          } catch (err) {
            client.close();
            throw err;
          }
        },
        started: ({ nodes }) => `${nodes.nodeNames.length} hollow nodes running (${nodes.nodeNames[0]} to ${nodes.nodeNames.at(-1)})`,
        stopping: flags.deleteNodes ? 'deleting the hollow nodes' : 'stopping the hollow nodes',
      }),
    );
}
