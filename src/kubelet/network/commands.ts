/**
 * How the pod network runs Linux tools (ip, nft, nsenter, busybox): argument arrays through the
 * runtime's spawner (runtime/spawner.ts, so the kubelet's event loop never forks), with errors
 * that say which command failed, what it printed, and — when the tool is missing — which
 * package to install.
 */
import { defaultSpawner, SpawnedCommandError } from '../runtime/spawner.ts';

/**
 * Runs argv to its exit and resolves to its stdout; rejects with {@link NetworkCommandError}.
 * `input`, when given, is the command's stdin (e.g. `ip -batch -`).
 */
export type RunCommand = (argv: string[], options?: { input?: string }) => Promise<string>;

/** The Debian package each tool comes from. */
const PACKAGES: Record<string, string> = { ip: 'iproute2', nft: 'nftables', nsenter: 'util-linux', '/bin/busybox': 'busybox-static' };

/** A network command failed, or its tool is not installed. */
export class NetworkCommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly stderr: string,
    /** Set when the tool itself is missing. */
    readonly missingPackage?: string,
    options?: { cause?: unknown },
  ) {
    super(
      missingPackage
        ? `${argv[0]} not found: apt-get install ${missingPackage}`
        : `${argv.join(' ')}: ${stderr.trim() || 'failed'}`,
      options,
    );
    this.name = 'NetworkCommandError';
  }
}

/** The {@link RunCommand} over the process's spawner. */
export const runNetworkCommand: RunCommand = async (argv, options) => {
  try {
    return (await defaultSpawner().run(argv, options)).stdout;
  } catch (err) {
    if (err instanceof SpawnedCommandError) {
      const missing = err.code === 'ENOENT' ? (PACKAGES[argv[0]] ?? argv[0]) : undefined;
      throw new NetworkCommandError(argv, err.stderr, missing, { cause: err });
    }
    throw err;
  }
};
