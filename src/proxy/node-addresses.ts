/**
 * The addresses a node serves node ports on, when not given: the Node's InternalIPs as its
 * kubelet registered them, or — for a node not registered (yet) — the host's own IPv4 addresses.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { networkInterfaces } from 'node:os';
import { findResource } from '../api/catalogue.ts';
import { isNotFound, type RestClient } from '../client/index.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Node `nodeName`'s IPv4 InternalIPs, else the host's non-loopback IPv4 addresses. */
export async function nodeAddresses(client: RestClient, nodeName: string): Promise<string[]> {
  try {
    const node = await client.get<Node>(NODES, undefined, nodeName);
    const ips = (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' && IPV4.test(a.address)).map((a) => a.address);
    if (ips.length) return ips;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return Object.values(networkInterfaces())
    .flatMap((addrs) => addrs ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}
