/**
 * NodePorts: two pods cannot bind the same hostPort and protocol on a node when their host IPs
 * overlap (the same address, or either one 0.0.0.0, meaning every address).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { status, SUCCESS, type FilterPlugin, type PluginFactory, type PreFilterPlugin } from '../framework/interface.ts';
import { podHostPorts, type HostPortKey } from '../framework/node-info.ts';
import { NAMES } from './names.ts';

export const ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";

function split(key: HostPortKey): { ip: string; rest: string } {
  const slash = key.indexOf('/');
  return { ip: key.slice(0, slash), rest: key.slice(slash + 1) };
}

/** Whether any of `wanted` collides with a port in `used`. */
export function portsConflict(wanted: HostPortKey[], used: ReadonlySet<HostPortKey>): boolean {
  if (used.size === 0) return false;
  for (const key of wanted) {
    const { ip, rest } = split(key);
    if (used.has(key) || used.has(`0.0.0.0/${rest}`)) return true;
    if (ip === '0.0.0.0') {
      for (const u of used) if (split(u).rest === rest) return true;
    }
  }
  return false;
}

const PRE_FILTER_KEY = 'PreFilter' + NAMES.NodePorts;

export const newNodePorts: PluginFactory = () => {
  const plugin: PreFilterPlugin & FilterPlugin = {
    name: NAMES.NodePorts,
    eventsToRegister: () => [{ resource: 'Pod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }],
    preFilter(state, pod: Pod) {
      const ports = podHostPorts(pod);
      if (ports.length === 0) return { status: status('Skip') };
      state.write(PRE_FILTER_KEY, ports);
      return { status: SUCCESS };
    },
    filter(state, pod, nodeInfo) {
      const wanted = state.read<HostPortKey[]>(PRE_FILTER_KEY) ?? podHostPorts(pod);
      return portsConflict(wanted, nodeInfo.usedPorts) ? status('Unschedulable', ERR_REASON_PORTS) : SUCCESS;
    },
  };
  return plugin;
};
