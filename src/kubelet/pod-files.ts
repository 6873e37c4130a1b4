/**
 * The files the kubelet writes for each pod and bind-mounts into every container: /etc/hosts,
 * /etc/resolv.conf and /etc/hostname, as upstream makes them.
 * - /etc/hosts: the localhost lines, the pod's IPs with its hostname (and FQDN
 *   `hostname.subdomain.namespace.svc.DOMAIN` when it has a subdomain), then hostAliases.
 *   hostNetwork pods get a copy of the node's hosts file, plus hostAliases.
 * - /etc/resolv.conf by dnsPolicy: ClusterFirst (the default) gives the cluster DNS servers,
 *   searches `ns.svc.DOMAIN svc.DOMAIN DOMAIN` and the node's, and `ndots:5`; without cluster DNS
 *   servers it falls back to Default, the node's own resolv.conf; None starts empty; hostNetwork
 *   pods use Default unless the policy is ClusterFirstWithHostNet. spec.dnsConfig is merged last;
 *   past the resolver's limits (3 nameservers, 32 searches, 2048 characters) the excess is
 *   dropped with a DNSConfigForming warning.
 * - /etc/hostname: spec.hostname or the pod name (the FQDN with setHostnameAsFQDN), the node's
 *   for hostNetwork pods.
 * Files are rewritten in place only when their content changes, so containers that already
 * bind-mount them see the new content.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { podFullName } from './container-config.ts';
import type { Mount } from './runtime/runtime.ts';

export interface PodFilesOptions {
  /** The node's IP (unused in the files today; upstream does not write it either). */
  hostIP?: string;
  /** The pod's IPs; none until pod networking assigns one (then /etc/hosts has no pod line). */
  podIPs?: string[];
  /** Cluster DNS servers (kubelet --cluster-dns); empty means ClusterFirst falls back to Default. */
  clusterDNS: string[];
  /** e.g. "cluster.local". */
  clusterDomain: string;
  /** The node's resolver config. Default /etc/resolv.conf. */
  hostResolvConf?: string;
  /** The node's hosts file, copied for hostNetwork pods. Default /etc/hosts. */
  hostHostsFile?: string;
  /** The node's hostname, for hostNetwork pods. Default os.hostname(). */
  nodeHostname?: string;
  /** Told when the pod's DNS settings cannot be honoured as written (a Warning event). */
  onEvent?: (reason: string, message: string) => void;
}

const DEFAULT_DNS_OPTIONS = ['ndots:5'];
const MAX_DNS_SERVERS = 3;
const MAX_DNS_SEARCHES = 32;
const MAX_DNS_SEARCH_DOMAIN = 253;
const MAX_DNS_SEARCH_LINE = 2048;
const MAX_HOSTNAME = 63;

/**
 * Writes the pod's files under `podDir` and returns the mounts that put them in a container.
 * Synchronous file calls: a few small files on the kubelet's own disk, where each promise-based
 * call costs the event loop more than the I/O (a node starting many pods at once does this for
 * each).
 */
export async function writePodFiles(pod: Pod, podDir: string, options: PodFilesOptions): Promise<Mount[]> {
  mkdirSync(podDir, { recursive: true });
  const hostNetwork = pod.spec?.hostNetwork === true;
  const nodeHostname = options.nodeHostname ?? osHostname();
  const names = podHostname(pod, options.clusterDomain);
  const hostHosts = hostNetwork ? readOrEmpty(options.hostHostsFile ?? '/etc/hosts') : '';
  const hostResolv = parseResolvConf(readOrEmpty(options.hostResolvConf ?? '/etc/resolv.conf'));
  const files: Array<[string, string, string]> = [
    ['/etc/hosts', 'etc-hosts', hostsFileContent(pod, { podIPs: options.podIPs ?? [], clusterDomain: options.clusterDomain, hostHostsFile: hostHosts })],
    ['/etc/resolv.conf', 'resolv.conf', formatResolvConf(podDNSConfig(pod, { clusterDNS: options.clusterDNS, clusterDomain: options.clusterDomain, host: hostResolv, onEvent: options.onEvent }))],
    ['/etc/hostname', 'hostname', `${hostNetwork ? nodeHostname : names.hostname}\n`],
  ];
  const mounts: Mount[] = [];
  for (const [containerPath, file, content] of files) {
    const hostPath = join(podDir, file);
    const current = readOrEmpty(hostPath, undefined);
    if (current !== content) writeFileSync(hostPath, content, { mode: 0o644 });
    mounts.push({ containerPath, hostPath, readOnly: false });
  }
  return mounts;
}

/**
 * The pod's hostname (spec.hostname or its name, cut to 63 characters) and, with a subdomain,
 * its domain `subdomain.namespace.svc.DOMAIN`; with setHostnameAsFQDN the hostname is the FQDN.
 */
export function podHostname(pod: Pod, clusterDomain: string): { hostname: string; domain?: string } {
  let hostname = pod.spec?.hostname || pod.metadata?.name || '';
  if (hostname.length > MAX_HOSTNAME) hostname = hostname.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
  const subdomain = pod.spec?.subdomain;
  const domain = subdomain ? `${subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}` : undefined;
  if (domain && pod.spec?.setHostnameAsFQDN) return { hostname: `${hostname}.${domain}`, domain };
  return { hostname, domain };
}

/** /etc/hosts for the pod: managed lines, or the node's file for hostNetwork pods; hostAliases last. */
export function hostsFileContent(pod: Pod, o: { podIPs: string[]; clusterDomain: string; hostHostsFile?: string }): string {
  let out: string;
  if (pod.spec?.hostNetwork) {
    out = `# Kubernetes-managed hosts file (host network).\n${o.hostHostsFile ?? ''}`;
  } else {
    out =
      '# Kubernetes-managed hosts file.\n' +
      '127.0.0.1\tlocalhost\n' +
      '::1\tlocalhost ip6-localhost ip6-loopback\n' +
      'fe00::0\tip6-localnet\n' +
      'fe00::0\tip6-mcastprefix\n' +
      'fe00::1\tip6-allnodes\n' +
      'fe00::2\tip6-allrouters\n';
    const { hostname, domain } = podHostname({ ...pod, spec: { ...pod.spec!, setHostnameAsFQDN: false } }, o.clusterDomain);
    for (const ip of o.podIPs) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  }
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    out += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  }
  return out;
}

/** A resolver configuration: nameservers, search domains, options (`name` or `name:value`). */
export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Reads resolv.conf text (the last `search` line wins, as the resolver does). */
export function parseResolvConf(text: string): DNSConfig {
  const config: DNSConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const fields = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    const [key, ...values] = fields;
    if (key === 'nameserver' && values[0]) config.servers.push(values[0]);
    // "corp." and "corp" are one domain: count it once.
    else if (key === 'search' || key === 'domain') config.searches = values.filter((v) => v && v !== '.').map((v) => v.replace(/\.$/, ''));
    else if (key === 'options') config.options.push(...values.filter(Boolean));
  }
  return config;
}

/** The pod's resolver configuration by its dnsPolicy, hostNetwork and dnsConfig. */
export function podDNSConfig(pod: Pod, o: { clusterDNS: string[]; clusterDomain: string; host: DNSConfig; onEvent?: (reason: string, message: string) => void }): DNSConfig {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  let type: 'None' | 'Cluster' | 'Host' =
    policy === 'None' ? 'None' : policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec?.hostNetwork) ? 'Cluster' : 'Host';
  if (type === 'Cluster' && o.clusterDNS.length === 0) {
    o.onEvent?.('MissingClusterDNS', `pod: "${podFullName(pod)}". kubelet does not have ClusterDNS IP configured and cannot create Pod using "${policy}" policy. Falling back to "Default" policy.`);
    type = 'Host';
  }
  let config: DNSConfig;
  if (type === 'None') config = { servers: [], searches: [], options: [] };
  else if (type === 'Host') config = structuredClone(o.host);
  else {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = o.clusterDomain;
    config = { servers: [...o.clusterDNS], searches: [...(d ? [`${ns}.svc.${d}`, `svc.${d}`, d] : []), ...o.host.searches], options: [...DEFAULT_DNS_OPTIONS] };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    config.servers = unique([...config.servers, ...(extra.nameservers ?? [])]);
    config.searches = unique([...config.searches, ...(extra.searches ?? [])]);
    config.options = mergeOptions(config.options, (extra.options ?? []).map((opt) => (opt.value ? `${opt.name}:${opt.value}` : (opt.name ?? ''))));
  }
  if (config.servers.length > MAX_DNS_SERVERS) {
    config.servers = config.servers.slice(0, MAX_DNS_SERVERS);
    o.onEvent?.('DNSConfigForming', `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${config.servers.join(' ')}`);
  }
  const searches = searchesWithinLimits(unique(config.searches));
  if (searches.length < unique(config.searches).length) {
    o.onEvent?.('DNSConfigForming', `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`);
  }
  config.searches = searches;
  return config;
}

/**
 * The search domains a resolver accepts: at most 32, none longer than 253 characters (some
 * glibc versions abort on those), the whole line at most 2048 characters (cut from the end).
 */
function searchesWithinLimits(searches: string[]): string[] {
  const kept = searches.slice(0, MAX_DNS_SEARCHES).filter((d) => d.length <= MAX_DNS_SEARCH_DOMAIN);
  while (kept.join(' ').length > MAX_DNS_SEARCH_LINE) kept.pop();
  return kept;
}

/** resolv.conf text: search, nameserver and options lines, as the container runtime writes it. */
export function formatResolvConf(config: DNSConfig): string {
  let out = '';
  if (config.searches.length) out += `search ${config.searches.join(' ')}\n`;
  for (const s of config.servers) out += `nameserver ${s}\n`;
  if (config.options.length) out += `options ${config.options.join(' ')}\n`;
  return out;
}

/** Options by name: a later one with the same name replaces the earlier in its place. */
function mergeOptions(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const opt of [...base, ...extra].filter(Boolean)) byName.set(opt.split(':', 1)[0], opt);
  return [...byName.values()];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** A file's text, or `fallback` when it cannot be read. */
function readOrEmpty<T extends string | undefined = string>(path: string, fallback: T = '' as T): string | T {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
