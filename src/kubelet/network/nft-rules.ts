/**
 * The pod network's nftables table (`ip skiff-net` on a node), as the text of one `nft -f`
 * transaction that replaces the table whole — so the rules change atomically and nothing else
 * in the ruleset (the proxy's table, the host's own) is touched. Pure: data in, text out.
 * - postrouting: masquerade what pods send out of the cluster CIDR (the node's address goes
 *   out instead of the pod's), traffic from the node's loopback DNAT'd to a pod (hostPort on
 *   localhost), and a pod reaching its own hostPort (hairpin: the reply must come back through
 *   the node);
 * - forward: accept traffic from and to the cluster CIDR;
 * - prerouting and output: hostPort — a port on the node's addresses (or one `hostIP`)
 *   DNAT'd to a pod's port, for traffic from outside and from the node itself.
 */

/** One hostPort of one pod. */
export interface HostPortMapping {
  podIP: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostPort: number;
  containerPort: number;
  /** Only this node address; absent (or 0.0.0.0) for all of them. */
  hostIP?: string;
}

/** What the table is made from. */
export interface PodNetworkRules {
  /** Table name (family ip), e.g. skiff-net. */
  table: string;
  /** e.g. 10.42.0.0/16. */
  clusterCidr: string;
  /** The pods' bridge, e.g. skiff0. */
  bridge: string;
  hostPorts: HostPortMapping[];
}

/** The `nft -f` text that replaces the table with these rules. */
export function podNetworkRuleset(rules: PodNetworkRules): string {
  const { table, clusterCidr, bridge } = rules;
  const mappings = [...rules.hostPorts].sort(compareMappings);
  const hostPortRules = mappings.map((m) => {
    const address = m.hostIP && m.hostIP !== '0.0.0.0' ? `ip daddr ${m.hostIP} ` : '';
    return `\t\t${address}${proto(m)} dport ${m.hostPort} dnat to ${m.podIP}:${m.containerPort}`;
  });
  const hairpins = mappings.map((m) => `\t\tip saddr ${m.podIP} ip daddr ${m.podIP} ${proto(m)} dport ${m.containerPort} ct status dnat masquerade`);
  return [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '\tchain prerouting {',
    '\t\ttype nat hook prerouting priority -100; policy accept;',
    '\t\tfib daddr type local jump hostports',
    '\t}',
    '\tchain output {',
    // nft 1.0.6 takes no `dstnat` keyword in an output chain: the number.
    '\t\ttype nat hook output priority -100; policy accept;',
    '\t\tfib daddr type local jump hostports',
    '\t}',
    '\tchain hostports {',
    ...hostPortRules,
    '\t}',
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority 100; policy accept;',
    `\t\tip saddr 127.0.0.0/8 oifname ${JSON.stringify(bridge)} ct status dnat masquerade`,
    ...hairpins,
    `\t\tip saddr ${clusterCidr} ip daddr != ${clusterCidr} masquerade`,
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority 0; policy accept;',
    `\t\tip saddr ${clusterCidr} accept`,
    `\t\tip daddr ${clusterCidr} accept`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

function proto(m: HostPortMapping): string {
  return m.protocol.toLowerCase();
}

/** A stable order, so the same mappings always give the same text. */
function compareMappings(a: HostPortMapping, b: HostPortMapping): number {
  return a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol) || (a.hostIP ?? '').localeCompare(b.hostIP ?? '') || a.podIP.localeCompare(b.podIP);
}
