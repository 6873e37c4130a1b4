/**
 * A real control plane for the client's integration tests, started in-process on a fresh data
 * directory, with a RestClient for it and a condition waiter with a bounded deadline.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../index.ts';
import { RestClient, type RestClientOptions } from './rest-client.ts';

export interface TestCluster {
  dataDir: string;
  port: number;
  plane: ControlPlane;
  client: RestClient;
  /** Stops the control plane (if running) and removes the data directory. */
  cleanup(): Promise<void>;
}

export async function startTestCluster(options: { port?: number; client?: RestClientOptions } = {}): Promise<TestCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-client-'));
  const plane = await startControlPlane({ dataDir, port: options.port ?? 0, controllers: false }).catch(async (err) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const client = await RestClient.fromKubeconfig(plane.kubeconfigPath, options.client);
  const cluster: TestCluster = {
    dataDir,
    port: plane.port,
    plane,
    client,
    async cleanup() {
      client.close();
      await cluster.plane.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (generous: loaded CI machines). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
