/**
 * Turns rulesets into `nft -f` scripts (no I/O). Each script is applied as one transaction, so
 * the kernel switches from the old rules to the new ones at once or not at all.
 *
 * - {@link fullScript} replaces the whole table: the skeleton (base chains hooked into nat and
 *   filter, the dispatch maps, the reject and masquerade chains) and every Service chain.
 * - {@link diffScript} goes from one ruleset to the next touching only what differs: new chains
 *   and sets are added, changed chains flushed and refilled, map elements added and deleted one
 *   by one, and chains and sets no longer wanted deleted last, once nothing refers to them.
 */
import {
  MARK_FOR_MASQUERADE,
  MASQUERADE_MARK,
  NO_ENDPOINT_NODEPORTS,
  NO_ENDPOINT_SERVICES,
  NODEPORT_ADDRESSES,
  SERVICE_IPS,
  SERVICE_NODEPORTS,
  type ProxyRuleset,
} from './ruleset.ts';

/** The table every rule lives in; tests use their own. */
export const DEFAULT_TABLE = 'skiff-proxy';

/**
 * The fixed part of the table, as an nft block body. Node ports on 127.0.0.1 need
 * route_localnet, which would also let other machines reach the host's loopback services:
 * filter-input drops what arrives for 127.0.0.0/8 from outside unless it is the reply to, or
 * part of, a connection the host made or DNATed (as kube-proxy does).
 */
function skeleton(): string {
  return `
  map ${SERVICE_IPS} { type ipv4_addr . inet_proto . inet_service : verdict; }
  map ${SERVICE_NODEPORTS} { type inet_proto . inet_service : verdict; }
  set ${NO_ENDPOINT_SERVICES} { type ipv4_addr . inet_proto . inet_service; }
  set ${NO_ENDPOINT_NODEPORTS} { type inet_proto . inet_service; }
  set ${NODEPORT_ADDRESSES} { type ipv4_addr; }
  chain ${MARK_FOR_MASQUERADE} { meta mark set meta mark | ${MASQUERADE_MARK}; }
  chain services {
    ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS}
    ip daddr @${NODEPORT_ADDRESSES} meta l4proto . th dport vmap @${SERVICE_NODEPORTS}
  }
  chain nat-prerouting { type nat hook prerouting priority dstnat; policy accept; jump services; }
  chain nat-output { type nat hook output priority -100; policy accept; jump services; }
  chain nat-postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    meta mark & ${MASQUERADE_MARK} == 0 return
    meta mark set meta mark ^ ${MASQUERADE_MARK}
    masquerade fully-random
  }
  chain reject-connection { meta l4proto tcp reject with tcp reset; reject; }
  chain endpoints-check {
    ip daddr . meta l4proto . th dport @${NO_ENDPOINT_SERVICES} goto reject-connection
    ip daddr @${NODEPORT_ADDRESSES} meta l4proto . th dport @${NO_ENDPOINT_NODEPORTS} goto reject-connection
  }
  chain filter-input {
    type filter hook input priority -10; policy accept;
    ct state new jump endpoints-check
    iifname != "lo" ip daddr 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop
  }
  chain filter-forward { type filter hook forward priority -10; policy accept; ct state new jump endpoints-check; }
  chain filter-output { type filter hook output priority -10; policy accept; ct state new jump endpoints-check; }
`;
}

/** A script that makes table `table` hold exactly `rs` (creating or replacing it). */
export function fullScript(table: string, rs: ProxyRuleset): string {
  const lines = [`add table ip ${table}`, `delete table ip ${table}`, `table ip ${table} {${skeleton()}}`];
  for (const [name, body] of rs.sets) lines.push(`add set ip ${table} ${name} { ${body} }`);
  for (const name of rs.chains.keys()) lines.push(`add chain ip ${table} ${name}`);
  for (const [name, rules] of rs.chains) for (const rule of rules) lines.push(`add rule ip ${table} ${name} ${rule}`);
  for (const [name, elements] of rs.elements) lines.push(...elementLines('add', table, name, [...elements]));
  return lines.join('\n') + '\n';
}

/** A script that turns `previous` (what the table holds) into `desired`; '' when they agree. */
export function diffScript(table: string, previous: ProxyRuleset, desired: ProxyRuleset): string {
  const lines: string[] = [];
  for (const [name, body] of desired.sets) if (!previous.sets.has(name)) lines.push(`add set ip ${table} ${name} { ${body} }`);
  for (const name of desired.chains.keys()) if (!previous.chains.has(name)) lines.push(`add chain ip ${table} ${name}`);
  for (const [name, rules] of desired.chains) {
    const before = previous.chains.get(name);
    if (before && sameRules(before, rules)) continue;
    if (before) lines.push(`flush chain ip ${table} ${name}`);
    for (const rule of rules) lines.push(`add rule ip ${table} ${name} ${rule}`);
  }
  const names = new Set([...previous.elements.keys(), ...desired.elements.keys()]);
  const deletions: string[] = [];
  const additions: string[] = [];
  for (const name of names) {
    const before = previous.elements.get(name) ?? new Map<string, string>();
    const after = desired.elements.get(name) ?? new Map<string, string>();
    const gone = [...before].filter(([key, value]) => after.get(key) !== value);
    const added = [...after].filter(([key, value]) => before.get(key) !== value);
    // A changed value is a delete and an add: deletes go first within the same transaction.
    deletions.push(...elementLines('delete', table, name, gone.map(([key]) => [key, ''])));
    additions.push(...elementLines('add', table, name, added));
  }
  lines.push(...deletions, ...additions);
  const removedChains = [...previous.chains.keys()].filter((name) => !desired.chains.has(name));
  // Removed chains may jump to one another: empty them all before deleting any.
  for (const name of removedChains) lines.push(`flush chain ip ${table} ${name}`);
  for (const name of removedChains) lines.push(`delete chain ip ${table} ${name}`);
  for (const name of previous.sets.keys()) if (!desired.sets.has(name)) lines.push(`delete set ip ${table} ${name}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Elements per statement: keeps each line of a big first sync a reasonable size. */
const ELEMENTS_PER_LINE = 500;

function elementLines(verb: 'add' | 'delete', table: string, name: string, entries: [string, string][]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < entries.length; i += ELEMENTS_PER_LINE) {
    const chunk = entries.slice(i, i + ELEMENTS_PER_LINE).map(([key, value]) => (value ? `${key} : ${value}` : key));
    lines.push(`${verb} element ip ${table} ${name} { ${chunk.join(', ')} }`);
  }
  return lines;
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((rule, i) => rule === b[i]);
}
