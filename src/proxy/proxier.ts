/**
 * The Service proxy of one node (the seed's kube-proxy, nftables mode): watches Services and
 * EndpointSlices and keeps the `ip skiff-proxy` table in step with them.
 *
 * Every change marks its Service dirty (a Service, or an EndpointSlice labelled with its name)
 * and schedules a sync a few milliseconds later, so a burst of changes (a rollout touching many
 * slices) becomes one transaction. A sync recomputes, from the informers' caches
 * (level-triggered), the ports and rules of the dirty Services only, and applies the difference
 * between what those Services had and what they now want: its cost follows what changed, not
 * how many Services there are. The first sync, and any sync after nft refused a script or the
 * table was found missing, recomputes every Service and replaces the whole table instead.
 * After the rules change, UDP flows DNATed to endpoints that are gone are deleted from
 * conntrack. Stopping leaves the rules in place, so Services keep working while the proxy
 * restarts.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { InformerFactory, realClock, RestClient, type Clock } from '../client/index.ts';
import { nodeAddresses } from './node-addresses.ts';
import { applyNftScript, deleteConntrackEntries, nftCommand, writeSysctl } from './netfilter-tools.ts';
import { DEFAULT_TABLE, diffScript, fullScript } from './nft-script.ts';
import { joinRulesets, rulesetSize, serviceRuleset, type ProxyRuleset } from './ruleset.ts';
import { portsOfService, serviceKeyOf, serviceKeyOfSlice, type ProxiedServicePort } from './service-ports.ts';
import { staleUdpFlows } from './stale-flows.ts';

const SERVICES = findResource('', 'v1', 'services')!;
const ENDPOINT_SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

export interface ProxyOptions {
  /** The cluster to watch: a kubeconfig file, or a client (which the proxy does not close). */
  kubeconfigPath?: string;
  client?: RestClient;
  /** This node's name: internalTrafficPolicy Local keeps the endpoints on it. */
  nodeName: string;
  /**
   * The node's addresses, which serve node ports (127.0.0.1 is added unless localhostNodePorts
   * is false). Default: the Node's InternalIPs (the host's IPv4 addresses if it has none).
   */
  nodeIPs?: string[];
  /** The pod network (e.g. 10.42.0.0/16); connections to a cluster IP from outside it are masqueraded. */
  clusterCIDR?: string;
  /** Serve node ports on 127.0.0.1 too (sets net.ipv4.conf.all.route_localnet=1). Default true. */
  localhostNodePorts?: boolean;
  /** Command prefixes of the tools. Defaults ['nft'], ['conntrack'], ['sysctl']; tests run them in a netns. */
  nft?: string[];
  conntrack?: string[];
  sysctl?: string[];
  /** Default 'skiff-proxy'. */
  tableName?: string;
  /** How long a change waits for others to join its sync. Default 10 ms. */
  coalesceMs?: number;
  /** How often the table is checked to still exist (recreated if not). Default 30 s. */
  checkIntervalMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
  /** Told after every sync that changed the table (metrics, benchmarks). */
  onSync?: (sync: SyncReport) => void;
}

export interface SyncReport {
  /** Whether the whole table was replaced (first sync, or repair) rather than updated. */
  full: boolean;
  /** From the start of the sync to nft having applied it. */
  durationMs: number;
  servicePorts: number;
  chains: number;
  rules: number;
  elements: number;
}

export interface RunningProxy {
  /** The addresses node ports are served on. */
  nodePortAddresses: string[];
  /** Stops watching; the rules stay. */
  stop(): Promise<void>;
}

/** What one Service has in the table: its ports and their part of the ruleset. */
interface AppliedService {
  ports: ProxiedServicePort[];
  ruleset: ProxyRuleset;
}

/** The slices' index by the key of the Service they belong to. */
const SERVICE_INDEX = 'proxy-service';

const MAX_RETRY_MS = 30_000;

/** Starts the proxy; resolves once the first full sync has programmed the table (rejects if it cannot). */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const clock = options.clock ?? realClock;
  const log = options.log ?? ((line: string) => console.error(line));
  const table = options.tableName ?? DEFAULT_TABLE;
  const nft = options.nft ?? ['nft'];
  const conntrack = options.conntrack ?? ['conntrack'];
  const localhost = options.localhostNodePorts ?? true;
  const ownClient = !options.client;
  const client = options.client ?? (await RestClient.fromKubeconfig(options.kubeconfigPath!, { userAgent: 'skiff-proxy' }));
  let nodeIPs: string[];
  try {
    nodeIPs = options.nodeIPs ?? (await nodeAddresses(client, options.nodeName));
  } catch (err) {
    if (ownClient) client.close();
    throw err;
  }
  const config = { clusterCIDR: options.clusterCIDR, nodePortAddresses: [...new Set([...nodeIPs, ...(localhost ? ['127.0.0.1'] : [])])] };
  const informers = new InformerFactory(client, { clock, log });
  const services = informers.informerFor<Service>(SERVICES);
  const slices = informers.informerFor<EndpointSlice>(ENDPOINT_SLICES);
  slices.cache.addIndexer(SERVICE_INDEX, (slice) => {
    const key = serviceKeyOfSlice(slice);
    return key ? [key] : [];
  });

  /** Per Service key, what the table holds for it; undefined until a full sync has programmed the table. */
  let applied: Map<string, AppliedService> | undefined;
  /** Services whose Service or EndpointSlices changed since the last sync computed them. */
  const dirty = new Set<string>();
  /** The table's size, kept up to date as Services change (for the sync reports). */
  let size = { servicePorts: 0, chains: 0, rules: 0, elements: 0 };
  let stopped = false;
  /** Set once the first sync is done: changes before it are covered by it or by one sync after. */
  let ready = false;
  let syncing: Promise<void> | undefined;
  let pending = false;
  let cancelTimer: (() => void) | undefined;
  let failures = 0;

  /** What Service `key` wants now, from the caches. */
  const compute = (key: string): AppliedService => {
    const svc = services.cache.get(key);
    const ports = svc ? portsOfService(svc, slices.cache.byIndex(SERVICE_INDEX, key), options.nodeName) : [];
    return { ports, ruleset: serviceRuleset(ports, config) };
  };
  /** Adds (sign 1) or takes away (sign -1) the Services' rules from the table's size. */
  const resize = (services: Iterable<AppliedService>, sign: 1 | -1) => {
    for (const s of services) {
      const part = rulesetSize(s.ruleset);
      size.servicePorts += sign * s.ports.length;
      size.chains += sign * part.chains;
      size.rules += sign * part.rules;
      size.elements += sign * part.elements;
    }
  };

  const sync = async (): Promise<void> => {
    const started = clock.now();
    const base = applied;
    const full = !base;
    // Taken synchronously with the computation below: a change after this point marks its Service again.
    const keys = full ? [...services.cache.keys()] : [...dirty];
    dirty.clear();
    const before = new Map<string, AppliedService>();
    const after = new Map<string, AppliedService>();
    for (const key of keys) {
      const previous = base?.get(key);
      if (previous) before.set(key, previous);
      const desired = compute(key);
      if (desired.ports.length > 0 || previous) after.set(key, desired);
    }
    const script = full
      ? fullScript(table, joinRulesets([...after.values()].map((s) => s.ruleset), config))
      : diffScript(table, joinRulesets([...before.values()].map((s) => s.ruleset)), joinRulesets([...after.values()].map((s) => s.ruleset)));
    try {
      if (script) await applyNftScript(nft, script);
    } catch (err) {
      if (full) throw err;
      log(`proxy: incremental update refused, replacing table ${table}: ${(err as Error).message}`);
      applied = undefined;
      return sync();
    }
    // The table was found missing meanwhile: what it holds is unknown until the full sync already asked for.
    if (applied !== base) return;
    const state = base ?? new Map<string, AppliedService>();
    for (const [key, desired] of after) {
      if (desired.ports.length > 0) state.set(key, desired);
      else state.delete(key);
    }
    applied = state;
    if (full) size = { servicePorts: 0, chains: 0, rules: 0, elements: config.nodePortAddresses.length };
    resize(before.values(), -1);
    resize(after.values(), 1);
    if (script) {
      const report = { full, durationMs: clock.now() - started, ...size };
      if (report.full) log(`proxy: programmed table ${table}: ${report.servicePorts} service ports, ${report.chains} chains, ${report.rules} rules, ${report.elements} map elements in ${report.durationMs} ms`);
      options.onSync?.(report);
    }
    const portsOf = (m: Map<string, AppliedService>) => [...m.values()].flatMap((s) => s.ports);
    // A full sync knows nothing of what the table held: every UDP port counts as new, and its old flows go.
    for (const filter of staleUdpFlows(portsOf(before), portsOf(after))) {
      await deleteConntrackEntries(conntrack, filter).catch((err) => log(`proxy: ${(err as Error).message}`));
    }
  };

  /** Runs a sync now-ish; changes that arrive meanwhile get one more sync after it. */
  const requestSync = (delayMs = options.coalesceMs ?? 10) => {
    if (stopped) return;
    if (!ready || syncing || cancelTimer) {
      pending = true;
      return;
    }
    cancelTimer = clock.setTimer(delayMs, () => {
      cancelTimer = undefined;
      pending = false;
      syncing = sync()
        .then(() => {
          failures = 0;
        })
        .catch((err) => {
          applied = undefined;
          failures++;
          log(`proxy: sync failed: ${(err as Error).message}`);
        })
        .finally(() => {
          syncing = undefined;
          if (failures > 0) requestSync(Math.min(1000 * 2 ** (failures - 1), MAX_RETRY_MS));
          else if (pending) requestSync();
        });
    });
  };

  const markDirty = (...keys: (string | undefined)[]) => {
    const marked = keys.filter((key): key is string => key !== undefined);
    for (const key of marked) dirty.add(key);
    if (marked.length > 0) requestSync();
  };
  services.addEventHandler({
    onAdd: (svc) => markDirty(serviceKeyOf(svc)),
    onUpdate: (_, svc) => markDirty(serviceKeyOf(svc)),
    onDelete: (svc) => markDirty(serviceKeyOf(svc)),
  });
  // A slice relabelled to another Service changes both.
  slices.addEventHandler({
    onAdd: (slice) => markDirty(serviceKeyOfSlice(slice)),
    onUpdate: (old, slice) => markDirty(serviceKeyOfSlice(old), serviceKeyOfSlice(slice)),
    onDelete: (slice) => markDirty(serviceKeyOfSlice(slice)),
  });

  const shutdown = () => {
    stopped = true;
    cancelTimer?.();
    cancelTimer = undefined;
    cancelCheck?.();
    informers.stop();
    if (ownClient) client.close();
  };

  let cancelCheck: (() => void) | undefined;
  try {
    informers.start();
    await informers.waitForSync();
    if (localhost) await writeSysctl(options.sysctl ?? ['sysctl'], 'net.ipv4.conf.all.route_localnet', '1');
    await sync();
  } catch (err) {
    shutdown();
    throw err;
  }

  // Someone deleting or flushing our table (an `nft flush ruleset`, say) is repaired within one check.
  const check = () => {
    cancelCheck = clock.setTimer(options.checkIntervalMs ?? 30_000, async () => {
      if (stopped) return;
      const present = await nftCommand(nft, ['list', 'chain', 'ip', table, 'services']).then(
        (out) => out.includes('vmap'),
        () => false,
      );
      if (!present && applied && !stopped) {
        log(`proxy: table ${table} is missing or damaged; replacing it`);
        applied = undefined;
        requestSync(0);
      }
      check();
    });
  };
  check();
  ready = true;
  if (pending) requestSync();

  return {
    nodePortAddresses: config.nodePortAddresses,
    async stop() {
      shutdown();
      await syncing;
    },
  };
}
