/**
 * The control plane as a library: `startControlPlane` brings up what `skiff server` runs
 * (today the API server; the controller manager and scheduler join it as they land) on a data
 * directory, by the same code path as the CLI, and hands back a kubeconfig.
 */
import { startApiServer } from './apiserver/start.ts';

export interface ControlPlaneOptions {
  /** Where state, certificates and the kubeconfig live. */
  dataDir: string;
  /** API port; 0 picks a free one. Default 6443. */
  port?: number;
  /** Default 0.0.0.0 (every address). */
  bindAddress?: string;
  /** `sqlite://PATH` (default `DATA_DIR/server/state.db`) or `etcd://host:port,...`. */
  datastoreEndpoint?: string;
  /** Service ClusterIP range. Default 10.43.0.0/16. */
  serviceCidr?: string;
  /** Extra names or addresses for the serving certificate. */
  tlsSans?: string[];
  /** Where log lines go. Default: nowhere (library use stays quiet). */
  log?: (line: string) => void;
}

export interface ControlPlane {
  /** e.g. https://127.0.0.1:6443 */
  url: string;
  port: number;
  /** `DATA_DIR/kubeconfig.yaml`, an admin kubeconfig (mode 0600). */
  kubeconfigPath: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const api = await startApiServer({
    dataDir: options.dataDir,
    port: options.port ?? 6443,
    bindAddress: options.bindAddress ?? '0.0.0.0',
    datastoreEndpoint: options.datastoreEndpoint,
    serviceCidr: options.serviceCidr,
    tlsSans: options.tlsSans,
    log,
  });
  return { url: api.url, port: api.port, kubeconfigPath: api.kubeconfigPath, dataDir: options.dataDir, stop: api.stop };
}
