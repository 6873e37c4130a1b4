/**
 * The nftables state the proxy wants, as data (no I/O): the per-Service chains and sets and the
 * elements of the dispatch maps, computed from the served ports. The fixed skeleton they hang
 * from (base chains, maps, the reject and masquerade chains) is in nft-script.ts.
 *
 * Traffic to a Service address is looked up in a verdict map keyed by address . protocol . port
 * (`service-ips`) or, on the node's own addresses, protocol . port (`service-nodeports`), which
 * sends it to the Service port's chain; that chain picks an endpoint at random per new
 * connection (numgen) unless the client has a live session-affinity entry, and the endpoint's
 * chain DNATs. A port with no endpoint has its address in a `no-endpoint-*` set instead, which
 * the filter chains reject at once.
 */
import type { ProxiedServicePort, ProxyEndpoint } from './service-ports.ts';

/** The packet mark bit that asks the postrouting chain to masquerade (kube-proxy's). */
export const MASQUERADE_MARK = '0x00004000';

/** Names of the fixed maps and sets, filled with elements. */
export const SERVICE_IPS = 'service-ips';
export const SERVICE_NODEPORTS = 'service-nodeports';
export const NO_ENDPOINT_SERVICES = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
export const NODEPORT_ADDRESSES = 'nodeport-addresses';
export const MARK_FOR_MASQUERADE = 'mark-for-masquerade';

export interface ProxyRuleset {
  /** Regular chains: name → rules, in order. */
  chains: Map<string, string[]>;
  /** Named sets the chains use: name → declaration body. */
  sets: Map<string, string>;
  /** Elements of the fixed maps and sets: name → key → value ('' for a set element). */
  elements: Map<string, Map<string, string>>;
}

export interface RulesetConfig {
  /** The pod network; connections from outside it to a cluster IP are masqueraded. */
  clusterCIDR?: string;
  /** Addresses node ports are served on (the node's IPs, and 127.0.0.1 for the host). */
  nodePortAddresses: string[];
}

/** The desired ruleset for `ports`. */
export function desiredRuleset(ports: ProxiedServicePort[], config: RulesetConfig): ProxyRuleset {
  const ruleset = emptyRuleset();
  for (const ip of config.nodePortAddresses) ruleset.elements.get(NODEPORT_ADDRESSES)!.set(ip, '');
  for (const sp of ports) addServicePort(ruleset, sp, config);
  return ruleset;
}

/**
 * The part of the ruleset that `ports` (one Service's) contribute: their chains, sets and map
 * elements, without the node's own elements. Names and keys are the Service's own, so the
 * parts of different Services never overlap.
 */
export function serviceRuleset(ports: ProxiedServicePort[], config: RulesetConfig): ProxyRuleset {
  return desiredRuleset(ports, { ...config, nodePortAddresses: [] });
}

/**
 * Joins the parts of several Services (from {@link serviceRuleset}) into one ruleset, with the
 * node's own elements when `config` is given: joining every Service's part gives what
 * {@link desiredRuleset} gives for all their ports.
 */
export function joinRulesets(parts: Iterable<ProxyRuleset>, config?: RulesetConfig): ProxyRuleset {
  const joined = emptyRuleset();
  for (const ip of config?.nodePortAddresses ?? []) joined.elements.get(NODEPORT_ADDRESSES)!.set(ip, '');
  for (const part of parts) {
    for (const [name, rules] of part.chains) joined.chains.set(name, rules);
    for (const [name, body] of part.sets) joined.sets.set(name, body);
    for (const [name, elements] of part.elements) {
      const into = joined.elements.get(name)!;
      for (const [key, value] of elements) into.set(key, value);
    }
  }
  return joined;
}

function emptyRuleset(): ProxyRuleset {
  return {
    chains: new Map(),
    sets: new Map(),
    elements: new Map([SERVICE_IPS, SERVICE_NODEPORTS, NO_ENDPOINT_SERVICES, NO_ENDPOINT_NODEPORTS, NODEPORT_ADDRESSES].map((n) => [n, new Map()])),
  };
}

function addServicePort(rs: ProxyRuleset, sp: ProxiedServicePort, config: RulesetConfig): void {
  const el = (name: string) => rs.elements.get(name)!;
  const serviceKey = (ip: string) => `${ip} . ${sp.protocol} . ${sp.port}`;

  const clusterChain = sp.clusterEndpoints.length > 0 ? serviceChain(rs, sp, 'svc', sp.clusterEndpoints, config.clusterCIDR ? [`ip saddr != ${config.clusterCIDR} jump ${MARK_FOR_MASQUERADE}`] : []) : undefined;
  for (const ip of sp.clusterIPs) {
    if (clusterChain) el(SERVICE_IPS).set(serviceKey(ip), `goto ${clusterChain}`);
    else el(NO_ENDPOINT_SERVICES).set(serviceKey(ip), '');
  }

  if (sp.externalIPs.length === 0 && sp.nodePort === undefined) return;
  // External traffic always comes back through this node, so it is always masqueraded.
  const externalChain = sp.externalEndpoints.length > 0 ? serviceChain(rs, sp, 'ext', sp.externalEndpoints, [`jump ${MARK_FOR_MASQUERADE}`]) : undefined;
  for (const ip of sp.externalIPs) {
    if (externalChain) el(SERVICE_IPS).set(serviceKey(ip), `goto ${externalChain}`);
    else el(NO_ENDPOINT_SERVICES).set(serviceKey(ip), '');
  }
  if (sp.nodePort !== undefined) {
    const key = `${sp.protocol} . ${sp.nodePort}`;
    if (externalChain) el(SERVICE_NODEPORTS).set(key, `goto ${externalChain}`);
    else el(NO_ENDPOINT_NODEPORTS).set(key, '');
  }
}

/** Adds the chain that balances over `endpoints` (and theirs); returns its name. */
function serviceChain(rs: ProxyRuleset, sp: ProxiedServicePort, kind: 'svc' | 'ext', endpoints: ProxyEndpoint[], preamble: string[]): string {
  const name = `${kind}-${sp.id}`;
  const rules = [...preamble];
  const targets = endpoints.map((ep) => endpointChain(rs, sp, ep));
  if (sp.affinityTimeoutSeconds !== undefined) {
    for (const t of targets) rules.push(`ip saddr @${t.affinitySet} goto ${t.chain}`);
  }
  if (targets.length === 1) rules.push(`goto ${targets[0].chain}`);
  else rules.push(`numgen random mod ${targets.length} vmap { ${targets.map((t, i) => `${i} : goto ${t.chain}`).join(', ')} }`);
  rs.chains.set(name, rules);
  return name;
}

/** Adds (once) the chain that DNATs to `ep`, and its affinity set. */
function endpointChain(rs: ProxyRuleset, sp: ProxiedServicePort, ep: ProxyEndpoint): { chain: string; affinitySet?: string } {
  const suffix = `${sp.id}__${ep.ip}/${ep.port}`;
  const chain = `ep-${suffix}`;
  // The timeout is in the set's name: a changed timeout is a new set, and the chains naming it change with it.
  const affinitySet = sp.affinityTimeoutSeconds !== undefined ? `affinity-${sp.affinityTimeoutSeconds}-${suffix}` : undefined;
  if (!rs.chains.has(chain)) {
    // Hairpin: a pod reaching itself through its Service must see the reply come from elsewhere.
    const rules = [`ip saddr ${ep.ip} jump ${MARK_FOR_MASQUERADE}`];
    if (affinitySet) {
      rs.sets.set(affinitySet, `type ipv4_addr; flags dynamic,timeout; timeout ${sp.affinityTimeoutSeconds}s;`);
      rules.push(`update @${affinitySet} { ip saddr }`);
    }
    rules.push(`meta l4proto ${sp.protocol} dnat to ${ep.ip}:${ep.port}`);
    rs.chains.set(chain, rules);
  }
  return { chain, affinitySet };
}

/** How many rules and elements a ruleset holds (for logs and the benchmark). */
export function rulesetSize(rs: ProxyRuleset): { chains: number; rules: number; elements: number } {
  let rules = 0;
  for (const r of rs.chains.values()) rules += r.length;
  let elements = 0;
  for (const e of rs.elements.values()) elements += e.size;
  return { chains: rs.chains.size, rules, elements };
}
