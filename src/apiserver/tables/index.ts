/**
 * Server-side tables: `kubectl get` asks for `as=Table;v=v1;g=meta.k8s.io` and prints the
 * columns and cells the server sends. Each kind's printer (columns + cells) lives in a file
 * per group of kinds; kinds without one get upstream's default (Name, Created At).
 */
import type { ResourceInfo } from '../../api/resource.ts';
import { horizontalPodAutoscalerPrinter } from './autoscaling.ts';
import { cronJobPrinter, jobPrinter } from './batch.ts';
import { leasePrinter, namespacePrinter, nodePrinter, priorityClassPrinter } from './cluster.ts';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.ts';
import { defaultPrinter } from './default.ts';
import { eventPrinter, eventsV1Printer } from './events.ts';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './network.ts';
import { ingressClassPrinter, ingressPrinter } from './ingress.ts';
import { podPrinter } from './pods.ts';
import { bindingPrinter } from './rbac.ts';
import { podDisruptionBudgetPrinter, resourceQuotaPrinter } from './policy.ts';
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from './storage.ts';
import type { TablePrinter } from './types.ts';
import {
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.ts';

export type { ColumnDefinition, RowCondition, TablePrinter } from './types.ts';

/** Printers keyed by `group/plural` ('' for the core group). */
const PRINTERS: Record<string, TablePrinter> = {
  '/pods': podPrinter,
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  '/replicationcontrollers': replicationControllerPrinter,
  '/nodes': nodePrinter,
  '/namespaces': namespacePrinter,
  '/events': eventPrinter,
  '/configmaps': configMapPrinter,
  '/secrets': secretPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/persistentvolumes': persistentVolumePrinter,
  '/persistentvolumeclaims': persistentVolumeClaimPrinter,
  '/resourcequotas': resourceQuotaPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
  'discovery.k8s.io/endpointslices': endpointSlicePrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'events.k8s.io/events': eventsV1Printer,
  'policy/poddisruptionbudgets': podDisruptionBudgetPrinter,
  'scheduling.k8s.io/priorityclasses': priorityClassPrinter,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter,
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter,
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/ingressclasses': ingressClassPrinter,
  'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalerPrinter,
};

/** The printer for a resource: its own, or upstream's default table. */
export function printerFor(resource: ResourceInfo): TablePrinter {
  return PRINTERS[`${resource.group}/${resource.plural}`] ?? defaultPrinter;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** What each row carries in `object` (the `includeObject` query parameter). Default 'Metadata'. */
  includeObject?: IncludeObject;
  /**
   * The Table's metadata: a list's resourceVersion, continue and remainingItemCount, or for a
   * single object its resourceVersion. Default {}.
   */
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** The time ages are measured to. Default now. */
  now?: Date;
}

function rowObject(obj: any, include: IncludeObject): unknown {
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj?.metadata ?? {} };
}

/**
 * A meta.k8s.io/v1 Table of objects of one resource: the kind's columns (wide ones included,
 * marked priority 1) and one row per object.
 */
export function toTable(resource: ResourceInfo, objects: any[], options: TableOptions = {}): object {
  const printer = printerFor(resource);
  const include = options.includeObject ?? 'Metadata';
  const now = options.now ?? new Date();
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (include !== 'None') row.object = rowObject(obj, include);
    return row;
  });
  const metadata: Record<string, unknown> = {};
  const meta = options.listMeta ?? {};
  if (meta.resourceVersion) metadata.resourceVersion = meta.resourceVersion;
  if (meta.continue) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: [...printer.columns], rows };
}
