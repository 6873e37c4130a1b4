/**
 * A stand-in container runtime for streaming tests that need no runc: `exec` runs the command
 * on the host (under a pty when asked for a TTY, as the OCI runtime runs `runc exec`), so
 * kubectl's exec, `exec -it` and `cp` (tar) go through the whole path for real. Containers
 * are just ids with a running flag the test sets.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { spawn as spawnPty } from 'node-pty';
import type { ContainerRuntime, ContainerStatus, ExecOptions } from '../runtime/runtime.ts';

export class HostExecRuntime implements Pick<ContainerRuntime, 'exec' | 'containerStatus'> {
  readonly running = new Map<string, boolean>();

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    if (!this.running.has(id)) return undefined;
    return { id, state: this.running.get(id) ? 'running' : 'exited' } as ContainerStatus;
  }

  exec(_id: string, argv: string[], options: ExecOptions): Promise<{ exitCode: number }> {
    return options.tty ? this.execTty(argv, options) : this.execPipes(argv, options);
  }

  private execPipes(argv: string[], options: ExecOptions): Promise<{ exitCode: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
      if (options.stdin) (options.stdin as Readable).pipe(child.stdin);
      else child.stdin.end();
      child.stdin.on('error', () => undefined);
      if (options.stdout) child.stdout.pipe(options.stdout, { end: false });
      if (options.stderr) child.stderr.pipe(options.stderr, { end: false });
      child.on('error', reject);
      child.on('close', (code) => resolve({ exitCode: code ?? 137 }));
    });
  }

  private execTty(argv: string[], options: ExecOptions): Promise<{ exitCode: number }> {
    return new Promise((resolve) => {
      const pty = spawnPty(argv[0], argv.slice(1), { cols: 80, rows: 24, env: { ...process.env, TERM: 'xterm' } as Record<string, string> });
      const input = options.stdin as Readable | undefined;
      input?.on('data', (d: Buffer) => pty.write(d.toString()));
      pty.onData((d) => options.stdout?.write(d));
      void (async () => {
        for await (const size of options.resize ?? []) pty.resize(size.width, size.height);
      })();
      pty.onExit(({ exitCode }) => resolve({ exitCode }));
    });
  }
}
