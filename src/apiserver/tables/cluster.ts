/** Tables of cluster-level kinds: Nodes, Namespaces, PriorityClasses, and of Leases. */
import { AGE, NAME } from './columns.ts';
import { age } from './format.ts';
import { column, type TablePrinter } from './types.ts';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const ROLE_LABEL = 'kubernetes.io/role';

/** Roles from `node-role.kubernetes.io/<role>` label keys and the `kubernetes.io/role` value, sorted. */
function nodeRoles(node: any): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries<string>(node?.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_PREFIX) && key.length > ROLE_PREFIX.length) roles.add(key.slice(ROLE_PREFIX.length));
    else if (key === ROLE_LABEL && value !== '') roles.add(value);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

/** `Ready` / `NotReady` / `Unknown` from the Ready condition, plus `SchedulingDisabled` when cordoned. */
function nodeStatus(node: any): string {
  const readyCondition = (node?.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
  const parts = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node?.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function address(node: any, type: string): string {
  return (node?.status?.addresses ?? []).find((a: any) => a?.type === type)?.address ?? '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME,
    column('Status', 'string', 'Whether the node is ready, and whether it is cordoned.'),
    column('Roles', 'string', 'The roles of the node, from its node-role labels.'),
    AGE,
    column('Version', 'string', 'The kubelet version the node reports.'),
    column('Internal-IP', 'string', 'The node address of type InternalIP.', { priority: 1 }),
    column('External-IP', 'string', 'The node address of type ExternalIP.', { priority: 1 }),
    column('OS-Image', 'string', 'The operating system the node reports.', { priority: 1 }),
    column('Kernel-Version', 'string', 'The kernel version the node reports.', { priority: 1 }),
    column('Container-Runtime', 'string', 'The container runtime and version the node reports.', { priority: 1 }),
  ],
  cells(node, now) {
    const info = node?.status?.nodeInfo ?? {};
    return [
      node?.metadata?.name ?? '',
      nodeStatus(node),
      nodeRoles(node),
      age(node, now),
      info.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const namespacePrinter: TablePrinter = {
  columns: [NAME, column('Status', 'string', 'The phase of the namespace.'), AGE],
  cells(ns, now) {
    return [ns?.metadata?.name ?? '', ns?.status?.phase ?? '', age(ns, now)];
  },
};

export const priorityClassPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Value', 'integer', 'The priority pods of this class get.'),
    column('Global-Default', 'boolean', 'Whether pods without a class get this one.'),
    AGE,
    column('PreemptionPolicy', 'string', 'Whether pods of this class may preempt others.'),
  ],
  cells(pc, now) {
    return [pc?.metadata?.name ?? '', pc?.value ?? 0, pc?.globalDefault === true, age(pc, now), pc?.preemptionPolicy ?? ''];
  },
};

export const leasePrinter: TablePrinter = {
  columns: [NAME, column('Holder', 'string', 'The identity holding the lease.'), AGE],
  cells(lease, now) {
    return [lease?.metadata?.name ?? '', lease?.spec?.holderIdentity ?? '', age(lease, now)];
  },
};
