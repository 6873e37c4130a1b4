/**
 * The `skiff` command. Each subcommand is a component (or a bundle of them) of the cluster;
 * see DESIGN.md "Command line".
 */
import { Command } from 'commander';
import { runControllerManager } from './controller-manager-command.ts';
import { defaultDataDir } from './data-dir.ts';
import { parseSeconds, runServer, withServerFlags, type ServerFlags } from './server-command.ts';

const NO_AGENT_YET = 'note: the node agent is not part of Skiff yet, so this runs the control plane alone (no node, pods stay Pending)';

const program = new Command('skiff')
  .description('Kubernetes, rebuilt in TypeScript')
  .version('0.1.0 (Kubernetes v1.32.0)')
  .configureOutput({ outputError: (text, write) => write(text.startsWith('error') ? `skiff: ${text}` : text) });

withServerFlags(program.command('up').description('a one-machine cluster: control plane and a node in one process')).action((flags: ServerFlags) =>
  runServer(flags, { agentNote: NO_AGENT_YET }),
);

withServerFlags(program.command('server').description('the control plane (with a node unless --disable-agent)'))
  .option('--disable-agent', 'run the control plane without a node')
  .action((flags: ServerFlags) => runServer(flags, { agentNote: flags.disableAgent ? undefined : NO_AGENT_YET }));

withServerFlags(program.command('apiserver').description('the API server alone')).action((flags: ServerFlags) => runServer(flags, { controllers: false }));

program
  .command('controller-manager')
  .description('the controllers alone, against any cluster (leader-elected)')
  .option('--kubeconfig <file>', 'credentials for the API server', `${defaultDataDir()}/kubeconfig.yaml`)
  .option('--node-monitor-grace-period <seconds>', 'time without heartbeats before a node is marked NotReady', parseSeconds, 40)
  .action((flags: { kubeconfig: string; nodeMonitorGracePeriod: number }) => runControllerManager(flags));

for (const [name, what] of [
  ['agent', 'a node that joins a cluster'],
  ['scheduler', 'the scheduler alone'],
  ['kubelet', 'the node agent alone'],
  ['proxy', 'the Service proxy alone'],
] as const) {
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
