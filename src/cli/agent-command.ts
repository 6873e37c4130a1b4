/**
 * `skiff agent`: a node — kubelet, Service proxy, cluster DNS — that joins a cluster. With
 * `--server URL --token TOKEN` it joins by token (the token pins the cluster CA; the node gets
 * its own certificate, kept in DATA_DIR/agent/kubelet.kubeconfig and reused on restart, and
 * proves it is the same node as before with the password kept in DATA_DIR/agent/node-password);
 * without, it runs against the cluster `--kubeconfig` names. A server that cannot be reached
 * yet is waited for; a refusal (wrong token, another CA, a node name another machine holds) ends the agent with one line. In the foreground until SIGINT or
 * SIGTERM; its containers keep running after it stops.
 */
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runComponent } from './component.ts';
import { kubeletOptions, kubeletStartError, withKubeletFlags, type KubeletFlags } from './kubelet-command.ts';

const JOIN_RETRY_MS = 2_000;

/** The joining code, loaded only when the agent joins by token. */
type Bootstrap = typeof import('../kubelet/bootstrap.ts');

export interface AgentFlags extends KubeletFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
}

/** Adds `agent` to the program. */
export function registerAgentCommand(program: Command): void {
  withKubeletFlags(program.command('agent').description('a node that joins a cluster (--server and --token)'))
    .option('--server <url>', 'the API server to join, e.g. https://10.0.0.1:6443 (waited for while it cannot be reached)')
    .option('--token <token>', "the join token: the content of the server's DATA_DIR/server/node-token")
    .option('--token-file <file>', 'a file holding the join token')
    .action((flags: AgentFlags) => runAgent(flags));
}

async function runAgent(flags: AgentFlags): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const nodeName = flags.nodeName ?? hostname().toLowerCase();
  let kubeconfig = flags.kubeconfig;
  if (flags.server) {
    const bootstrap = await import('../kubelet/bootstrap.ts');
    try {
      kubeconfig = await joinCluster(bootstrap, flags.server, flags, nodeName, log);
    } catch (err) {
      process.stderr.write(`skiff: error: ${err instanceof bootstrap.NodeJoinError ? err.message : kubeletStartError(err)}\n`);
      process.exit(1);
    }
  }
  await runComponent({
    kubeconfig,
    start: async (componentLog) => (await import('../agent.ts')).startAgent({ ...kubeletOptions({ ...flags, kubeconfig }, componentLog), nodeName }),
    explain: kubeletStartError,
    started: (agent) => `Skiff node ${agent.nodeName} running against ${flags.server ?? `the cluster in ${kubeconfig}`}`,
    stopping: 'stopping (containers keep running)',
  });
}

/** Joins, waiting for a server that cannot be reached yet (started after its agents, say), as k3s agents do. */
async function joinCluster(bootstrap: Bootstrap, server: string, flags: AgentFlags, nodeName: string, log: (line: string) => void): Promise<string> {
  const { ensureNodeKubeconfig, NodeJoinError } = bootstrap;
  const token = await joinToken(flags, NodeJoinError);
  for (;;) {
    try {
      return await ensureNodeKubeconfig({ server, token, nodeName, agentDir: join(flags.dataDir, 'agent'), log });
    } catch (err) {
      if (!(err instanceof NodeJoinError && err.unreachable)) throw err;
      log(`${err.message}; trying again in ${JOIN_RETRY_MS / 1000} s`);
      await delay(JOIN_RETRY_MS);
    }
  }
}

async function joinToken(flags: AgentFlags, NodeJoinError: Bootstrap['NodeJoinError']): Promise<string> {
  if (flags.token) return flags.token;
  if (flags.tokenFile) {
    try {
      return await readFile(flags.tokenFile, 'utf8');
    } catch (err) {
      throw new NodeJoinError(`cannot read the token file ${flags.tokenFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new NodeJoinError("--server needs --token (or --token-file): the content of the server's DATA_DIR/server/node-token");
}
