/**
 * The upstream resolvers for names outside the cluster: the node's own nameservers, from
 * /etc/resolv.conf. A loopback nameserver (a local cache such as systemd-resolved's 127.0.0.53)
 * is reachable from the host network namespace the DNS server runs in, but when it is all the
 * file offers and systemd-resolved's list of real upstreams exists, that list is used instead,
 * as the kubelet does for pods. The server's own address is never an upstream: that would loop.
 */
import { readFile } from 'node:fs/promises';
import { parseResolvConf } from '../kubelet/pod-files.ts';
import type { DnsEndpoint } from './exchange.ts';

const SYSTEMD_RESOLVED_UPSTREAMS = '/run/systemd/resolve/resolv.conf';

/** Where the node's resolver files are, and what never to forward to. */
export interface HostResolversOptions {
  /** Default /etc/resolv.conf. */
  resolvConfPath?: string;
  /** Default /run/systemd/resolve/resolv.conf. */
  fallbackResolvConfPath?: string;
  /** Addresses never to forward to (the server's own). */
  exclude?: string[];
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

async function nameservers(path: string): Promise<string[]> {
  return parseResolvConf(await readFile(path, 'utf8').catch(() => '')).servers;
}

/** The nameservers to forward to, on port 53. */
export async function hostResolvers(options: HostResolversOptions = {}): Promise<DnsEndpoint[]> {
  const exclude = new Set(options.exclude ?? []);
  let servers = (await nameservers(options.resolvConfPath ?? '/etc/resolv.conf')).filter((s) => !exclude.has(s));
  if (servers.length && servers.every(isLoopback)) {
    const real = (await nameservers(options.fallbackResolvConfPath ?? SYSTEMD_RESOLVED_UPSTREAMS)).filter((s) => !isLoopback(s) && !exclude.has(s));
    if (real.length) servers = real;
  }
  return servers.map((address) => ({ address, port: 53 }));
}
