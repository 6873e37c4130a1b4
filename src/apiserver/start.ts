/**
 * Assembles and starts an API server from a data directory: datastore, watch cache and
 * compactor, cluster PKI and tokens, registry, bootstrap objects, the HTTPS listener, and the
 * admin kubeconfig. `stop()` undoes all of it in reverse order.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { findResource } from '../api/catalogue.ts';
import { openStore, startCompactor, WatchCache, type EtcdTls } from '../storage/index.ts';
import { StateCache } from '../storage/state-cache.ts';
import { CACHE_INDEXES } from './handlers/list-source.ts';
import { createAuthenticator, type UserInfo } from './auth/authenticate.ts';
import { nodePodLookups } from './auth/node-pod-lookups.ts';
import { createNodeAuthorizer } from './auth/node-restriction.ts';
import { ensureServiceAccountTokens } from './auth/service-account-tokens.ts';
import { writeKubeconfig } from './auth/kubeconfig.ts';
import { ensurePki, hostSans, issueClientCertificate } from './auth/pki.ts';
import { serverTlsOptions } from './auth/tls-server-options.ts';
import { ensureTokens, parseJoinToken } from './auth/tokens.ts';
import { bootstrapCluster } from './bootstrap.ts';
import { startEndpointReconciler } from './endpoint-reconciler.ts';
import { ensureClusterSecrets } from './cluster-secrets.ts';
import { Allocator, cidrRange, intToIpv4, ipv4ToInt, portRange } from './registry/allocator.ts';
import { ObjectStore } from './registry/object-store.ts';
import { stateCacheValue } from './registry/state-cache-value.ts';
import { storedPriorityClasses } from './admission/priority-classes.ts';
import { Registry } from './registry/registry.ts';
import { createNodeJoinHandler } from './node-join.ts';
import { NodePasswords } from './node-passwords.ts';
import { createApiServer } from './server.ts';
import { listenLoopback } from './loopback.ts';
import type { ClusterConnection } from '../client/kubeconfig.ts';
import { CLUSTER_IP_PREFIX, EVENT_PREFIXES, NODE_PORT_PREFIX } from './storage-keys.ts';
import { DEFAULT_EVENT_TTL_MS, startEventTtl } from './event-ttl.ts';
import { realClock } from '../client/clock.ts';

export interface ApiServerConfig {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  bindAddress: string;
  /** The address nodes and pods reach this server on (the `kubernetes` Service's endpoint); default: from the bind address. */
  advertiseAddress?: string;
  datastoreEndpoint?: string;
  /** Client TLS for an https:// etcd datastore. */
  datastoreTls?: EtcdTls;
  /** The server token (`--token`) that opens the cluster's shared secrets in the datastore; default: DATA_DIR/server/token. */
  token?: string;
  serviceCidr?: string;
  /** The kube-dns Service's ClusterIP. Default: the service CIDR's tenth address (10.43.0.10). */
  clusterDns?: string;
  nodePortRange?: [number, number];
  /** Extra names/addresses for the serving certificate. */
  tlsSans?: string[];
  /** Whether a garbage collector runs (then deletes add the orphan/foreground finalizers). */
  garbageCollector?: boolean;
  /** DefaultTolerationSeconds for new pods. */
  podTolerationSeconds?: { notReady: number; unreachable: number };
  /** How long an Event lasts after its last write (upstream's --event-ttl). Default 1 hour. */
  eventTtlMs?: number;
  log: (line: string) => void;
}

export interface RunningApiServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  /**
   * How components in this process reach this server: plain HTTP on a Unix socket, as a cluster
   * admin (loopback.ts). Absent when the data directory's path is too long for a socket.
   */
  loopback?: ClusterConnection;
  stop(): Promise<void>;
}

/**
 * The address pods and nodes reach this server on: the bind address, unless it is a wildcard
 * or loopback (useless to others, and refused in Endpoints), then the host's first address.
 */
function advertiseAddress(bindAddress: string): string | undefined {
  const wildcardOrLoopback = bindAddress === '0.0.0.0' || bindAddress === '::' || bindAddress.startsWith('127.') || bindAddress === '::1' || bindAddress === 'localhost';
  if (!wildcardOrLoopback) return bindAddress;
  return hostSans().ips.find((ip) => isIP(ip) === 4 && !ip.startsWith('127.'));
}

/** The cluster DNS address when none is given: the service CIDR's base address + 10 (10.43.0.10). */
export function defaultClusterDNS(serviceCidr: string): string {
  return intToIpv4(cidrRange(serviceCidr).first + 9);
}

export async function startApiServer(config: ApiServerConfig): Promise<RunningApiServer> {
  const serverDir = join(config.dataDir, 'server');
  await mkdir(serverDir, { recursive: true, mode: 0o700 });
  const endpoint = config.datastoreEndpoint ?? `sqlite://${join(serverDir, 'state.db')}`;
  const store = await openStore(endpoint, { tls: config.datastoreTls, log: config.log });
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    for (const fn of cleanups.reverse()) await fn();
  };
  try {
    const host = hostSans();
    const extra = config.tlsSans ?? [];
    const sans = {
      dns: [...host.dns, ...extra.filter((s) => !isIP(s))],
      ips: [...host.ips, ...extra.filter((s) => isIP(s)), ...(isIP(config.bindAddress) && config.bindAddress !== '0.0.0.0' && config.bindAddress !== '::' ? [config.bindAddress] : []), ...(config.advertiseAddress ? [config.advertiseAddress] : [])],
    };
    // Before any certificate is made: a server joining a cluster signs with the cluster's CA.
    await ensureClusterSecrets(store, serverDir, { token: config.token, log: config.log });
    const pki = await ensurePki(serverDir, { sans });
    const tokens = await ensureTokens(serverDir, pki.caCertPem);
    // Kubelets accept this identity for logs, exec, attach and port-forward (upstream's --kubelet-client-certificate).
    const kubeletClient = await issueClientCertificate(pki, { commonName: 'system:kube-apiserver-kubelet-client', organizations: ['system:masters'] });
    const serviceAccountTokens = await ensureServiceAccountTokens(serverDir);

    const watchCache = new WatchCache(store, { indexes: CACHE_INDEXES });
    await watchCache.start();
    cleanups.push(() => watchCache.stop());
    const stateCache = new StateCache(store, watchCache, { indexes: CACHE_INDEXES, uncached: EVENT_PREFIXES, log: config.log });
    await stateCache.start();
    cleanups.push(() => stateCache.stop());
    const compactor = startCompactor(store);
    cleanups.push(() => compactor.stop());
    const eventTtl = startEventTtl({ store, watchCache, prefixes: EVENT_PREFIXES, ttlMs: config.eventTtlMs ?? DEFAULT_EVENT_TTL_MS, clock: realClock, log: config.log });
    cleanups.push(() => eventTtl.stop());

    const serviceRange = cidrRange(config.serviceCidr ?? '10.43.0.0/16');
    const clusterDNSIP = config.clusterDns ?? defaultClusterDNS(config.serviceCidr ?? '10.43.0.0/16');
    const dnsNumber = ipv4ToInt(clusterDNSIP);
    if (dnsNumber === undefined || dnsNumber < serviceRange.first || dnsNumber > serviceRange.last) throw new Error(`the cluster DNS address ${clusterDNSIP} is not inside the service CIDR ${serviceRange.describe}: pass --cluster-dns with an address of it`);
    const [portFirst, portLast] = config.nodePortRange ?? [30000, 32767];
    const namespaces = findResource('', 'v1', 'namespaces');
    if (!namespaces) throw new Error('namespaces missing from the catalogue');
    const objects = new ObjectStore(store, { cachedValue: stateCacheValue(stateCache) });
    const registry = new Registry({
      objects,
      namespaces,
      garbageCollector: config.garbageCollector,
      podTolerationSeconds: config.podTolerationSeconds,
      priorityClasses: storedPriorityClasses(objects, stateCache),
      allocators: {
        clusterIPs: new Allocator(store, CLUSTER_IP_PREFIX, serviceRange),
        nodePorts: new Allocator(store, NODE_PORT_PREFIX, portRange(portFirst, portLast)),
      },
    });

    // The cluster secret authenticates peer servers as cluster admins (they share the CA).
    const tokenUsers = new Map<string, UserInfo>([[tokens.token, { username: 'system:skiff-server', groups: ['system:masters'] }]]);
    let ready = false;
    const nodePasswords = new NodePasswords({ registry, log: config.log });
    cleanups.push(() => nodePasswords.stop());
    const server = createApiServer({
      tls: serverTlsOptions(pki),
      authenticate: createAuthenticator({ caCertPem: pki.caCertPem, tokens: tokenUsers, verifyToken: (t) => serviceAccountTokens.authenticate(t) }),
      parts: { registry, objects, watchCache, stateCache, bookmarkIntervalSeconds: 60, log: config.log, kubeletClient, serviceAccountTokens },
      health: { ready: () => ready },
      authorize: createNodeAuthorizer(nodePodLookups(objects, store, stateCache)),
      nodeJoin: createNodeJoinHandler({ ca: { certPem: pki.caCertPem, keyPem: pki.caKeyPem }, joinSecret: parseJoinToken(tokens.nodeToken)!.secret, passwords: nodePasswords, log: config.log }),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const sockets = new Set<import('node:net').Socket>();
    server.on('secureConnection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        }),
    );
    const loopbackListener = await listenLoopback(server, join(serverDir, 'loopback.sock'));
    if (loopbackListener) cleanups.push(() => loopbackListener.close());
    const port = (server.address() as AddressInfo).port;
    const advertise = config.advertiseAddress ?? advertiseAddress(config.bindAddress);
    if (!advertise) config.log('no non-loopback address on this host: the kubernetes Service gets no endpoints');
    await bootstrapCluster(registry, {
      port,
      kubernetesServiceIP: intToIpv4(serviceRange.first),
      clusterDNSIP,
      log: config.log,
    });
    if (advertise) {
      const endpoints = await startEndpointReconciler({ store, registry, address: advertise, port, log: config.log });
      cleanups.push(() => endpoints.stop());
    }
    ready = true;

    const urlHost = config.bindAddress === '0.0.0.0' || config.bindAddress === '::' ? '127.0.0.1' : config.bindAddress;
    const url = `https://${isIP(urlHost) === 6 ? `[${urlHost}]` : urlHost}:${port}`;
    const kubeconfigPath = join(config.dataDir, 'kubeconfig.yaml');
    await writeKubeconfig(kubeconfigPath, { server: url, caCertPem: pki.caCertPem, user: { clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem } });
    const loopback = loopbackListener && { server: 'http://loopback', connect: loopbackListener.connect };
    return { url, port, kubeconfigPath, loopback, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
