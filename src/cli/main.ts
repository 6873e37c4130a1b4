/**
 * The `skiff` command. Each subcommand is a component (or a bundle of them) of the cluster;
 * see DESIGN.md "Command line".
 */
import { Command } from 'commander';
import { runControllerManager } from './controller-manager-command.ts';
import { parseBoolean, runScheduler } from './scheduler-command.ts';
import { defaultDataDir } from './data-dir.ts';
import { registerImageCommands } from './image-command.ts';
import { registerKubeletCommands, startServerAgent, withServerAgentFlags, type ServerAgentFlags } from './kubelet-command.ts';
import { parseSeconds, runServer, withServerFlags, type ServerFlags } from './server-command.ts';

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
  .action((flags: { kubeconfig: string; nodeMonitorGracePeriod: number }) => runControllerManager(flags));

program
  .command('scheduler')
  .description('the scheduler alone, against any cluster (leader-elected unless --leader-elect=false)')
  .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
  .option('--config <file>', SCHEDULER_CONFIG_HELP)
  .option('--leader-elect [bool]', 'campaign for the kube-scheduler Lease before scheduling (false: schedule at once)', parseBoolean, true)
  .action((flags: { kubeconfig: string; config?: string; leaderElect: boolean }) => runScheduler(flags));

registerKubeletCommands(program);
registerImageCommands(program);

for (const [name, what] of [['proxy', 'the Service proxy alone']] as const) {
  program
    .command(name)
    .description(`${what} (not available yet)`)
    .allowUnknownOption()
    .action(() => {
      process.stderr.write(`skiff: error: '${name}' is not available in this version of Skiff yet; run 'skiff server' for the control plane\n`);
      process.exit(1);
    });
}

await program.parseAsync(process.argv);
