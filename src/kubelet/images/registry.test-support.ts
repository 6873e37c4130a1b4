/**
 * A real image registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback
 * port with its storage in a temp dir, and `skopeo copy` to push image archives into it.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  host: string;
  /** Pushes a docker-save or OCI archive as `host/repository:tag`. */
  push(archive: string, repositoryAndTag: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why registry tests cannot run here, or undefined when they can. */
export async function registrySkipReason(): Promise<string | undefined> {
  for (const tool of ['docker-registry', 'skopeo']) {
    try {
      await run('which', [tool]);
    } catch {
      return `${tool} is not installed (apt-get install ${tool})`;
    }
  }
  return undefined;
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForRegistry(host, () => child.exitCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`docker-registry did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    host,
    push: async (archive, repositoryAndTag) => {
      await run('skopeo', ['copy', '--insecure-policy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${host}/${repositoryAndTag}`]);
    },
    stop,
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls GET /v2/ until the registry answers (it has no readiness signal of its own). */
async function waitForRegistry(host: string, exited: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exited()) throw new Error('docker-registry exited');
    const ok = await new Promise<boolean>((resolve) => {
      http.get(`http://${host}/v2/`, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no answer on /v2/');
}
