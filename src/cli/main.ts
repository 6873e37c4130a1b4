/**
 * The `skiff` command. Each subcommand is a component (or a bundle of them) of the cluster;
 * see DESIGN.md "Command line". The command modules hold flags only and import their component
 * when it runs: loading every component cost each process ~2 s of CPU before it did anything
 * (a restarted agent or scheduler, a hollow-node process), where one component costs a fraction.
 */
import { Command } from 'commander';
import { runControllerManager, type ControllerManagerFlags } from './controller-manager-command.ts';
import { parseBoolean, runScheduler } from './scheduler-command.ts';
import { defaultDataDir } from './data-dir.ts';
import { registerDatastoreCommands } from './datastore-command.ts';
import { registerHollowNodesCommand } from './hollow-nodes-command.ts';
import { registerAgentCommand } from './agent-command.ts';
import { registerClusterCommands } from './cluster-command.ts';
import { registerImageCommands } from './image-command.ts';
import { registerProxyCommand } from './proxy-command.ts';
import { registerKubeletCommands, startServerAgent, withServerAgentFlags, type ServerAgentFlags } from './kubelet-command.ts';
import { parseCidrFlag, parseMaskSize, parseSeconds, runServer, withServerFlags, type ServerFlags } from './server-command.ts';

const program = new Command('skiff')
  .description('Kubernetes, rebuilt in TypeScript')
  .version('0.1.0 (Kubernetes v1.32.0)')
  .configureOutput({ outputError: (text, write) => write(text.startsWith('error') ? `skiff: ${text}` : text) });

const SCHEDULER_CONFIG_HELP = 'KubeSchedulerConfiguration file (profiles, plugins, weights) for the scheduler';

withServerAgentFlags(withServerFlags(program.command('up').description('a one-machine cluster: control plane and a node in one process')))
  .option('--scheduler-config <file>', SCHEDULER_CONFIG_HELP)
  .action((flags: ServerFlags & ServerAgentFlags) => runServer(flags, { startAgent: (kubeconfigPath, log) => startServerAgent(flags, kubeconfigPath, log) }));

withServerAgentFlags(withServerFlags(program.command('server').description('the control plane (with a node unless --disable-agent)')))
  .option('--disable-agent', 'run the control plane without a node')
  .option('--scheduler-config <file>', SCHEDULER_CONFIG_HELP)
  .action((flags: ServerFlags & ServerAgentFlags) =>
    runServer(flags, { startAgent: flags.disableAgent ? undefined : (kubeconfigPath, log) => startServerAgent(flags, kubeconfigPath, log) }),
  );

withServerFlags(program.command('apiserver').description('the API server alone')).action((flags: ServerFlags) => runServer(flags, { controllers: false }));

program
  .command('controller-manager')
  .description('the controllers alone, against any cluster (leader-elected)')
  .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
  .option('--node-monitor-grace-period <seconds>', 'time without heartbeats before a node is marked NotReady', parseSeconds, 40)
  .option('--cluster-cidr <cidr>', 'range pod IPs come from (each node gets a block of it)', parseCidrFlag, '10.42.0.0/16')
  .option('--node-cidr-mask-size <n>', "prefix length of each node's block of the cluster CIDR", parseMaskSize, 24)
  .action((flags: ControllerManagerFlags) => runControllerManager(flags));

program
  .command('scheduler')
  .description('the scheduler alone, against any cluster (leader-elected unless --leader-elect=false)')
  .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
  .option('--config <file>', SCHEDULER_CONFIG_HELP)
  .option('--leader-elect [bool]', 'campaign for the kube-scheduler Lease before scheduling (false: schedule at once)', parseBoolean, true)
  .action((flags: { kubeconfig: string; config?: string; leaderElect: boolean }) => runScheduler(flags));

registerKubeletCommands(program);
registerAgentCommand(program);
registerClusterCommands(program);
registerImageCommands(program);
registerDatastoreCommands(program);
registerHollowNodesCommand(program);
registerProxyCommand(program);

await program.parseAsync(process.argv);
